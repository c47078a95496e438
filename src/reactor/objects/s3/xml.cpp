#include "reactor/objects/s3/xml.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <utility>

namespace reactor::objects::s3 {

namespace {

// "2024-05-01T12:00:00.000Z" (ListObjectsV2's LastModified); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point>
parse_iso8601(const std::string& text)
{
  std::tm parts{};
  int millis = 0;
  const int read = std::sscanf(text.c_str(),
                               "%d-%d-%dT%d:%d:%d.%dZ",
                               &parts.tm_year,
                               &parts.tm_mon,
                               &parts.tm_mday,
                               &parts.tm_hour,
                               &parts.tm_min,
                               &parts.tm_sec,
                               &millis);
  // Bounded, so the conversion to system_clock's nanoseconds (years 1678 to 2262) cannot
  // overflow.
  const auto within = [](int value, int low, int high) { return value >= low && value <= high; };
  if (read < 6 || !within(parts.tm_year, 1970, 2200) || !within(parts.tm_mon, 1, 12) ||
      !within(parts.tm_mday, 1, 31) || !within(parts.tm_hour, 0, 23) ||
      !within(parts.tm_min, 0, 59) || !within(parts.tm_sec, 0, 60) || !within(millis, 0, 999)) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(::timegm(&parts)) +
         std::chrono::milliseconds(read == 7 ? millis : 0);
}

} // namespace

std::string
xml_element(std::string_view body, std::string_view name)
{
  const auto open = "<" + std::string(name) + ">";
  const auto close = "</" + std::string(name) + ">";
  const auto start = body.find(open);
  if (start == body.npos) {
    return {};
  }
  const auto end = body.find(close, start + open.size());
  if (end == body.npos) {
    return {};
  }
  return std::string(body.substr(start + open.size(), end - start - open.size()));
}

std::string
xml_unescape(std::string_view text)
{
  constexpr std::array<std::pair<std::string_view, char>, 5> k_entities{
    { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } }
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto entity = std::ranges::find_if(k_entities, [&](const auto& candidate) {
      return text.substr(i).starts_with(candidate.first);
    });
    if (text[i] == '&' && entity != k_entities.end()) {
      out += entity->second;
      i += entity->first.size() - 1;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<ObjectInfo>
parse_list_page(std::string_view body)
{
  std::vector<ObjectInfo> objects;
  constexpr std::string_view k_open = "<Contents>";
  constexpr std::string_view k_close = "</Contents>";
  for (auto start = body.find(k_open); start != body.npos; start = body.find(k_open, start)) {
    const auto end = body.find(k_close, start);
    if (end == body.npos) {
      break;
    }
    const auto contents = body.substr(start, end - start);
    const auto modified = parse_iso8601(xml_element(contents, "LastModified"));
    objects.push_back({ xml_unescape(xml_element(contents, "Key")),
                        std::strtoull(xml_element(contents, "Size").c_str(), nullptr, 10),
                        modified.value_or(std::chrono::system_clock::time_point::max()) });
    start = end;
  }
  return objects;
}

} // namespace reactor::objects::s3
