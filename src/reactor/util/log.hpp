#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

// The server's log: one line per event on stderr, with a level, an event name and
// key/value fields, as text for people or JSON for machines.
namespace reactor::util::log {

enum class Level
{
  debug,
  info,
  warn,
  error
};

enum class Format
{
  text, // 2026-11-26T04:40:00.123Z INFO deploy.accepted id=abc repo=https://…
  json  // {"ts":"2026-11-26T04:40:00.123Z","level":"info","event":"deploy.accepted",…}
};

// One key/value pair of an event. Holds views: build fields in the call that logs them.
struct Field
{
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;

  Field(std::string_view name, std::string_view text)
    : key(name)
    , value(text)
  {
  }
  Field(std::string_view name, const std::string& text)
    : key(name)
    , value(std::string_view(text))
  {
  }
  Field(std::string_view name, const char* text)
    : key(name)
    , value(std::string_view(text))
  {
  }
  template<std::integral Integer>
    requires(!std::same_as<Integer, bool>)
  Field(std::string_view name, Integer number)
    : key(name)
    , value(static_cast<std::int64_t>(number))
  {
  }
  Field(std::string_view name, double number)
    : key(name)
    , value(number)
  {
  }
  Field(std::string_view name, bool flag)
    : key(name)
    , value(flag)
  {
  }

  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<Level> parse_level(std::string_view name);
// "text", "json"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name);

// Sets what is written from now on (call once at startup, before threads log).
void configure(Level minimum, Format format);

// True when events of `level` are written: a relaxed atomic load, so filtered events
// cost next to nothing.
bool enabled(Level level);

// One line for the event, newline included, time as UTC with milliseconds.
std::string format_line(Format format,
                        std::chrono::system_clock::time_point time,
                        Level level,
                        std::string_view event,
                        Fields fields);

// Writes the event to stderr in one write (any thread) when its level is enabled.
void write(Level level, std::string_view event, Fields fields = {});

inline void
debug(std::string_view event, Fields fields = {})
{
  write(Level::debug, event, fields);
}

inline void
info(std::string_view event, Fields fields = {})
{
  write(Level::info, event, fields);
}

inline void
warn(std::string_view event, Fields fields = {})
{
  write(Level::warn, event, fields);
}

inline void
error(std::string_view event, Fields fields = {})
{
  write(Level::error, event, fields);
}

} // namespace reactor::util::log
