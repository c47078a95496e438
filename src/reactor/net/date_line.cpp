#include "reactor/net/date_line.hpp"

#include <array>
#include <ctime>

namespace reactor::net {

std::string_view
date_line()
{
  thread_local std::time_t cached_second = 0;
  thread_local std::array<char, 64> cached{};
  thread_local std::size_t cached_size = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm parts{};
    static_cast<void>(gmtime_r(&now, &parts));
    cached_size =
      std::strftime(cached.data(), cached.size(), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &parts);
    cached_second = now;
  }
  return { cached.data(), cached_size };
}

std::string_view
date_value()
{
  constexpr std::string_view k_name = "Date: ";
  const std::string_view line = date_line();
  return line.substr(k_name.size(), line.size() - k_name.size() - 2);
}

} // namespace reactor::net
