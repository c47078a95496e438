#pragma once

#include <expected>
#include <string>

namespace reactor::util {

// Whose fault a failure is, which decides what becomes of the build that hit it.
enum class Fault
{
  infrastructure, // Reactor's or its host's: retried while `retryable`, never the user's to fix
  user,           // the app's or its settings': the message is what the user should fix
};

// A predictable failure, with a message meant for the person who can fix it.
struct Error
{
  std::string message;
  // Whether another attempt can succeed. False for a fault that stays until an operator
  // acts (the sandbox cannot start, the disk is full), which ends the deployment at once
  // instead of waiting out retries, and for every fault of the user's.
  bool retryable = true;
  Fault fault = Fault::infrastructure;
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

// A failure the user must fix, saying how.
inline std::unexpected<Error>
fail_user(std::string message)
{
  return std::unexpected(Error{ std::move(message), false, Fault::user });
}

} // namespace reactor::util
