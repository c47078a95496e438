#pragma once

#include "reactor/core/deployment.hpp"
#include "reactor/util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::cli {

// One Server-Sent Event as the stream framed it.
struct SseEvent
{
  std::string id;    // the last "id:" field seen so far in the stream; empty when none
  std::string event; // the "event:" field; empty means "message"
  std::string data;  // the "data:" lines joined with '\n'
};

struct SseParse
{
  std::vector<SseEvent> events;
  std::size_t consumed = 0; // bytes of the input that are done with; keep the rest
  std::string last_id;      // the id in effect after the consumed bytes
};

// Parses the complete events at the start of `text` (the WHATWG event-stream format:
// LF, CRLF or CR line ends, ':' comments, one optional space after the colon). Stops
// before an unfinished event: feed the unconsumed tail again with the next chunk.
// `last_id` is the id in effect before `text`; events without data are not dispatched.
SseParse parse_sse(std::string_view text, std::string_view last_id = {});

// One message of GET /deployments/<id>/events, decoded.
struct DeploymentEvent
{
  enum class Kind
  {
    status,
    log
  };
  Kind kind = Kind::status;
  std::int64_t seq = 0;
  core::Status status = core::Status::pending;
  core::Phase phase = core::Phase::none;
  std::string error; // set with ERROR
  std::string line;  // a log line
};

// Decodes the JSON data of an event: {"type":"STATUS_UPDATE",…} or {"type":"LOG",…}.
// Fails on anything else, saying what was wrong.
util::Result<DeploymentEvent> parse_deployment_event(std::string_view data);

} // namespace reactor::cli
