#include "reactor/cli/progress.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace reactor::cli {

TEST(ProgressLabel, NamesThePhaseWhileInProgress)
{
  EXPECT_EQ(progress_label(core::Status::pending, core::Phase::none), "queued");
  EXPECT_EQ(progress_label(core::Status::in_progress, core::Phase::none), "starting");
  EXPECT_EQ(progress_label(core::Status::in_progress, core::Phase::installing), "installing");
  EXPECT_EQ(progress_label(core::Status::deployed, core::Phase::none), "deployed");
  EXPECT_EQ(progress_label(core::Status::error, core::Phase::building), "failed");
}

TEST(ProgressLine, ShowsSpinnerLabelAndSeconds)
{
  EXPECT_EQ(progress_line("building", std::chrono::milliseconds(12345), 0), "⠋ building  12.3 s");
  EXPECT_EQ(progress_line("cloning", std::chrono::milliseconds(0), 11), "⠙ cloning  0.0 s");
}

TEST(Progress, PrintsPlainLinesWhenNotATerminal)
{
  std::ostringstream out;
  {
    Progress progress(out, false);
    progress.update(core::Status::pending, core::Phase::none);
    progress.update(core::Status::in_progress, core::Phase::building);
    progress.update(core::Status::in_progress, core::Phase::building);
    progress.log("npm run build");
    progress.tick();
    progress.update(core::Status::deployed, core::Phase::none);
  }
  EXPECT_EQ(out.str(), "==> queued\n==> building\nnpm run build\n");
}

TEST(Progress, RewritesOneStatusLineBelowTheLogOnATerminal)
{
  std::ostringstream out;
  Progress progress(out, true);
  progress.update(core::Status::in_progress, core::Phase::building);
  progress.log("line one");
  progress.finish();
  const std::string text = out.str();
  EXPECT_TRUE(text.starts_with("\r\x1b[2K⠋ building  0.0 s")) << text;
  EXPECT_NE(text.find("\r\x1b[2Kline one\n\r\x1b[2K⠋ building"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\r\x1b[2K")) << text;
}

} // namespace reactor::cli
