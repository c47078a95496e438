#pragma once

#include <expected>
#include <string>

namespace reactor::util {

// A predictable failure, with a message meant for the person who can fix it.
struct Error
{
  std::string message;
  // For an infrastructure failure of a build: whether another attempt can succeed. False
  // for a fault that stays until an operator acts (the sandbox cannot start, the disk is
  // full), which ends the deployment at once instead of waiting out retries.
  bool retryable = true;
};

template<typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error>
fail(std::string message)
{
  return std::unexpected(Error{ std::move(message) });
}

// A failure that retrying cannot fix (see Error::retryable).
inline std::unexpected<Error>
fail_for_good(std::string message)
{
  return std::unexpected(Error{ std::move(message), false });
}

} // namespace reactor::util
