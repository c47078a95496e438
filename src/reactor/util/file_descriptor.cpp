#include "reactor/util/file_descriptor.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace reactor::util {

void
FileDescriptor::reset(int fd)
{
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  m_fd = fd;
}

Result<Pipe>
make_pipe()
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(std::string("pipe: ") + std::generic_category().message(errno));
  }
  return Pipe{ FileDescriptor(fds[0]), FileDescriptor(fds[1]) };
}

} // namespace reactor::util
