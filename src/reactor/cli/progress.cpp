#include "reactor/cli/progress.hpp"

#include "reactor/util/units.hpp"

#include <array>

namespace reactor::cli {

namespace {

constexpr std::array<std::string_view, 10> k_spinner{ "⠋", "⠙", "⠹", "⠸", "⠼",
                                                      "⠴", "⠦", "⠧", "⠇", "⠏" };
constexpr std::chrono::milliseconds k_redraw_interval{ 80 };
constexpr std::string_view k_erase_line = "\r\x1b[2K";

std::chrono::milliseconds
since(Progress::Clock::time_point start)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(Progress::Clock::now() - start);
}

} // namespace

std::string_view
progress_label(core::Status status, core::Phase phase)
{
  switch (status) {
    case core::Status::pending:
      return "queued";
    case core::Status::in_progress:
      return phase == core::Phase::none ? "starting" : core::to_string(phase);
    case core::Status::deployed:
      return "deployed";
    case core::Status::error:
      return "failed";
    case core::Status::canceled:
      return "canceled";
  }
  return "unknown";
}

std::string
progress_line(std::string_view label, std::chrono::milliseconds elapsed, std::size_t frame)
{
  std::string line(k_spinner[frame % k_spinner.size()]);
  line += ' ';
  line += label;
  line += "  ";
  line += util::format_seconds(elapsed);
  return line;
}

Progress::Progress(std::ostream& out, bool terminal)
  : m_out(out)
  , m_terminal(terminal)
  , m_started(Clock::now())
  , m_label_since(m_started)
  , m_drawn_at(m_started)
{
}

Progress::~Progress()
{
  finish();
}

void
Progress::update(core::Status status, core::Phase phase)
{
  const std::string_view label = progress_label(status, phase);
  if (label == m_label) {
    return;
  }
  m_label = label;
  m_label_since = Clock::now();
  if (m_terminal) {
    draw();
  } else if (!core::is_final(status)) {
    m_out << "==> " << m_label << '\n' << std::flush;
  }
}

void
Progress::log(std::string_view line)
{
  if (m_terminal) {
    erase();
    m_out << line << '\n';
    draw();
  } else {
    m_out << line << '\n' << std::flush;
  }
}

void
Progress::tick()
{
  if (!m_terminal || m_label.empty() || Clock::now() - m_drawn_at < k_redraw_interval) {
    return;
  }
  ++m_frame;
  draw();
}

void
Progress::finish()
{
  if (m_terminal) {
    erase();
    m_out << std::flush;
  }
}

std::chrono::milliseconds
Progress::elapsed() const
{
  return since(m_started);
}

void
Progress::draw()
{
  if (m_label.empty()) {
    return;
  }
  m_out << k_erase_line << progress_line(m_label, since(m_label_since), m_frame) << std::flush;
  m_line_shown = true;
  m_drawn_at = Clock::now();
}

void
Progress::erase()
{
  if (m_line_shown) {
    m_out << k_erase_line;
    m_line_shown = false;
  }
}

} // namespace reactor::cli
