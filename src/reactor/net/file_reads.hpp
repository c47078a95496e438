#pragma once

// Internal to net/: the file bytes of a write batch's HTTP/2 DATA frames, read just before
// the batch is written. Frames that continue the same file where the previous one ended
// are read with one preadv, however many frame headers lie between them in the batch.

#include "reactor/net/http_message.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <sys/uio.h>
#include <vector>

namespace reactor::net {

class FileReads
{
public:
  // `length` bytes of `file` from `file_offset` belong at `batch_offset` of the batch.
  void add(const std::shared_ptr<const FileBody>& file,
           std::uint64_t file_offset,
           std::size_t batch_offset,
           std::size_t length);

  // Reads every added range into `batch` and forgets them; false when a file ended before
  // a range did (it shrank), which leaves the batch partly filled.
  bool read_into(char* batch);

  bool empty() const { return m_reads.empty(); }

private:
  struct Segment
  {
    std::size_t batch_offset;
    std::size_t length;
  };
  // Contiguous bytes of one file, spread over segments of the batch.
  struct Read
  {
    std::shared_ptr<const FileBody> file;
    std::uint64_t file_offset;
    std::uint64_t file_end; // where the next contiguous bytes would start
    std::size_t first_segment;
    std::size_t segments;
  };

  bool read_one(const Read& read, char* batch);
  void clear();

  std::vector<Read> m_reads;
  std::vector<Segment> m_segments;
  std::vector<iovec> m_iov; // scratch for one preadv
};

} // namespace reactor::net
