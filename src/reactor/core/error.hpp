#pragma once

#include <expected>
#include <string>

namespace reactor::core {

// A predictable failure, with a message meant for the person who can fix it.
struct Error
{
  std::string message;
};

template<typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error>
fail(std::string message)
{
  return std::unexpected(Error{ std::move(message) });
}

} // namespace reactor::core
