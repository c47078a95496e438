#pragma once

#include "reactor/core/deployment.hpp"

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

namespace reactor::cli {

// What the progress line calls a state: the phase while IN_PROGRESS ("building"),
// "queued", "starting", "deployed", "failed" or "canceled" otherwise.
std::string_view progress_label(core::Status status, core::Phase phase);

// The progress line: spinner frame `frame` (any number, taken modulo the frames), the
// label and the seconds with one decimal: "⠋ building  12.3s".
std::string progress_line(std::string_view label,
                          std::chrono::milliseconds elapsed,
                          std::size_t frame);

// Shows a deployment's progress as its events arrive. On a terminal: the build log
// scrolls and one status line below it is rewritten in place. Otherwise plain lines:
// "==> <label>" at each change, then the log lines as they are.
class Progress
{
public:
  using Clock = std::chrono::steady_clock;

  Progress(std::ostream& out, bool terminal);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  void update(core::Status status, core::Phase phase);
  void log(std::string_view line);
  // Advances the spinner and the seconds (terminal only; cheap to call often).
  void tick();
  // Removes the status line; later output starts on a clean line.
  void finish();

  // Since construction.
  std::chrono::milliseconds elapsed() const;

private:
  void draw();
  void erase();

  std::ostream& m_out;
  bool m_terminal;
  std::string m_label;
  Clock::time_point m_started;
  Clock::time_point m_label_since;
  Clock::time_point m_drawn_at;
  std::size_t m_frame = 0;
  bool m_line_shown = false;
};

} // namespace reactor::cli
