#pragma once

#include "reactor/util/error.hpp"

#include <string>
#include <utility>

namespace reactor::util {

// Owns one open file descriptor and closes it.
class FileDescriptor
{
public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd)
    : m_fd(fd)
  {
  }
  FileDescriptor(FileDescriptor&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1))
  {
  }
  FileDescriptor& operator=(FileDescriptor&& other) noexcept
  {
    if (this != &other) {
      reset(std::exchange(other.m_fd, -1));
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return m_fd; }
  // Closes the descriptor held, if any, and holds `fd` instead.
  void reset(int fd = -1);

private:
  int m_fd = -1;
};

struct Pipe
{
  FileDescriptor read;
  FileDescriptor write;
};

// A pipe whose ends are closed on exec. Fails with the reason when none can be made.
Result<Pipe> make_pipe();

} // namespace reactor::util
