#include "reactor/util/log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <unistd.h>

namespace reactor::util::log {

namespace {

std::atomic<Level> g_minimum{ Level::info };
std::atomic<Format> g_format{ Format::text };

constexpr std::array<std::string_view, 4> k_level_names{ "debug", "info", "warn", "error" };
constexpr std::array<std::string_view, 4> k_level_labels{ "DEBUG", "INFO", "WARN", "ERROR" };

std::string_view
level_name(Level level)
{
  return k_level_names[static_cast<std::size_t>(level)];
}

// 2026-11-26T04:40:00.123Z
std::string
timestamp(std::chrono::system_clock::time_point time)
{
  const auto ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  static_cast<void>(gmtime_r(&seconds, &parts));
  std::array<char, 32> text{};
  const auto length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &parts);
  std::array<char, 8> millis{};
  const int millis_length =
    std::snprintf(millis.data(), millis.size(), ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(text.data(), length) +
         std::string(millis.data(), static_cast<std::size_t>(millis_length));
}

bool
needs_quotes(std::string_view text)
{
  if (text.empty()) {
    return true;
  }
  for (const char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
        c == 0x7f) {
      return true;
    }
  }
  return false;
}

// A text value: bare when it is one plain word, otherwise quoted with \" \\ \n \t and
// \xHH escapes, so one event is always one line.
void
append_text_value(std::string& out, std::string_view text)
{
  if (!needs_quotes(text)) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          std::array<char, 8> escaped{};
          const int length =
            std::snprintf(escaped.data(), escaped.size(), "\\x%02x", static_cast<unsigned char>(c));
          out.append(escaped.data(), static_cast<std::size_t>(length));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template<typename Number>
void
append_number(std::string& out, Number number)
{
  std::array<char, 32> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), number);
  out.append(digits.data(), end);
}

std::string
format_text(std::chrono::system_clock::time_point time,
            Level level,
            std::string_view event,
            Fields fields)
{
  std::string line = timestamp(time);
  line += ' ';
  line += k_level_labels[static_cast<std::size_t>(level)];
  line += ' ';
  line += event;
  for (const auto& field : fields) {
    line += ' ';
    line += field.key;
    line += '=';
    std::visit(
      [&line]<typename Value>(const Value& value) {
        if constexpr (std::is_same_v<Value, std::string_view>) {
          append_text_value(line, value);
        } else if constexpr (std::is_same_v<Value, bool>) {
          line += value ? "true" : "false";
        } else {
          append_number(line, value);
        }
      },
      field.value);
  }
  line += '\n';
  return line;
}

std::string
format_json(std::chrono::system_clock::time_point time,
            Level level,
            std::string_view event,
            Fields fields)
{
  boost::json::object object;
  object.reserve(3 + fields.size());
  object["ts"] = timestamp(time);
  object["level"] = level_name(level);
  object["event"] = event;
  for (const auto& field : fields) {
    std::visit([&](const auto& value) { object[field.key] = value; }, field.value);
  }
  std::string line = boost::json::serialize(object);
  line += '\n';
  return line;
}

void
write_all(std::string_view line)
{
  while (!line.empty()) {
    const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      return; // stderr is gone: nothing else to tell
    }
    line.remove_prefix(static_cast<std::size_t>(written));
  }
}

} // namespace

std::optional<Level>
parse_level(std::string_view name)
{
  for (std::size_t i = 0; i < k_level_names.size(); ++i) {
    if (name == k_level_names[i]) {
      return static_cast<Level>(i);
    }
  }
  return std::nullopt;
}

std::optional<Format>
parse_format(std::string_view name)
{
  if (name == "text") {
    return Format::text;
  }
  if (name == "json") {
    return Format::json;
  }
  return std::nullopt;
}

void
configure(Level minimum, Format format)
{
  g_minimum.store(minimum, std::memory_order_relaxed);
  g_format.store(format, std::memory_order_relaxed);
}

bool
enabled(Level level)
{
  return level >= g_minimum.load(std::memory_order_relaxed);
}

std::string
format_line(Format format,
            std::chrono::system_clock::time_point time,
            Level level,
            std::string_view event,
            Fields fields)
{
  return format == Format::json ? format_json(time, level, event, fields)
                                : format_text(time, level, event, fields);
}

void
write(Level level, std::string_view event, Fields fields)
{
  if (!enabled(level)) {
    return;
  }
  const std::string line = format_line(g_format.load(std::memory_order_relaxed),
                                       std::chrono::system_clock::now(),
                                       level,
                                       event,
                                       fields);
  // One event, one write: lines from different threads never interleave.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  write_all(line);
}

} // namespace reactor::util::log
