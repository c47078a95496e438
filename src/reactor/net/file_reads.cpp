#include "reactor/net/file_reads.hpp"

#include <climits>

#include <algorithm>
#include <cerrno>

namespace reactor::net {

void
FileReads::add(const std::shared_ptr<const FileBody>& file,
               std::uint64_t file_offset,
               std::size_t batch_offset,
               std::size_t length)
{
  if (length == 0) {
    return;
  }
  if (!m_reads.empty()) {
    Read& last = m_reads.back();
    if (last.file == file && last.file_end == file_offset && last.segments < IOV_MAX) {
      m_segments.push_back({ batch_offset, length });
      ++last.segments;
      last.file_end += length;
      return;
    }
  }
  m_reads.push_back({ file, file_offset, file_offset + length, m_segments.size(), 1 });
  m_segments.push_back({ batch_offset, length });
}

bool
FileReads::read_into(char* batch)
{
  const bool complete =
    std::ranges::all_of(m_reads, [&](const Read& read) { return read_one(read, batch); });
  clear();
  return complete;
}

void
FileReads::clear()
{
  m_reads.clear();
  m_segments.clear();
}

bool
FileReads::read_one(const Read& read, char* batch)
{
  m_iov.clear();
  for (std::size_t i = read.first_segment; i < read.first_segment + read.segments; ++i) {
    m_iov.push_back({ batch + m_segments[i].batch_offset, m_segments[i].length });
  }
  auto offset = static_cast<off_t>(read.file_offset);
  std::size_t next = 0; // the first iovec not yet filled
  while (next < m_iov.size()) {
    const ssize_t got =
      ::preadv(read.file->fd, m_iov.data() + next, static_cast<int>(m_iov.size() - next), offset);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return false; // the file ended early: it never should, blobs are not rewritten
    }
    offset += got;
    auto left = static_cast<std::size_t>(got);
    while (next < m_iov.size() && left >= m_iov[next].iov_len) {
      left -= m_iov[next].iov_len;
      ++next;
    }
    if (left > 0) { // a short read ended inside this iovec
      m_iov[next].iov_base = static_cast<char*>(m_iov[next].iov_base) + left;
      m_iov[next].iov_len -= left;
    }
  }
  return true;
}

} // namespace reactor::net
