#include "reactor/cli/sse.hpp"

#include <boost/json/parse.hpp>

namespace reactor::cli {

namespace {

struct Line
{
  std::string_view text;
  std::size_t next = 0; // where the following line starts
};

// The line starting at `from`; nullopt when its end has not arrived yet.
std::optional<Line>
next_line(std::string_view text, std::size_t from)
{
  const std::size_t end = text.find_first_of("\r\n", from);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  if (text[end] == '\r') {
    if (end + 1 == text.size()) {
      return std::nullopt;
    }
    const std::size_t skip = text[end + 1] == '\n' ? 2 : 1;
    return Line{ text.substr(from, end - from), end + skip };
  }
  return Line{ text.substr(from, end - from), end + 1 };
}

std::string_view
string_field(const boost::json::object& object, std::string_view name)
{
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string())
                                                : std::string_view{};
}

} // namespace

SseParse
parse_sse(std::string_view text, std::string_view last_id)
{
  SseParse result{ .events = {}, .consumed = 0, .last_id = std::string(last_id) };
  SseEvent pending{ .id = std::string(last_id), .event = {}, .data = {} };
  bool has_data = false;
  std::size_t position = 0;
  while (auto line = next_line(text, position)) {
    position = line->next;
    if (line->text.empty()) {
      if (has_data) {
        result.events.push_back(pending);
      }
      pending.event.clear();
      pending.data.clear();
      has_data = false;
      result.consumed = position;
      result.last_id = pending.id;
      continue;
    }
    if (line->text.starts_with(':')) {
      continue;
    }
    const std::size_t colon = line->text.find(':');
    const std::string_view field = line->text.substr(0, colon);
    std::string_view value =
      colon == std::string_view::npos ? std::string_view{} : line->text.substr(colon + 1);
    if (value.starts_with(' ')) {
      value.remove_prefix(1);
    }
    if (field == "data") {
      if (has_data) {
        pending.data += '\n';
      }
      pending.data += value;
      has_data = true;
    } else if (field == "id" && value.find('\0') == std::string_view::npos) {
      pending.id = value;
    } else if (field == "event") {
      pending.event = value;
    }
  }
  return result;
}

util::Result<DeploymentEvent>
parse_deployment_event(std::string_view data)
{
  boost::system::error_code ec;
  const auto json = boost::json::parse(data, ec);
  if (ec || !json.is_object()) {
    return util::fail("the server sent an event that is not a JSON object: " +
                      std::string(data.substr(0, 200)));
  }
  const auto& object = json.get_object();
  DeploymentEvent event;
  if (const auto* seq = object.if_contains("seq"); seq != nullptr && seq->is_int64()) {
    event.seq = seq->get_int64();
  }
  const std::string_view type = string_field(object, "type");
  if (type == "LOG") {
    event.kind = DeploymentEvent::Kind::log;
    event.line = string_field(object, "line");
    return event;
  }
  if (type != "STATUS_UPDATE") {
    return util::fail("the server sent an event of unknown type '" + std::string(type) + "'");
  }
  const auto status = core::parse_status(string_field(object, "status"));
  if (!status) {
    return util::fail("the server sent an unknown status '" +
                      std::string(string_field(object, "status")) + "'");
  }
  event.status = *status;
  event.phase = core::parse_phase(string_field(object, "phase")).value_or(core::Phase::none);
  event.error = string_field(object, "error");
  return event;
}

} // namespace reactor::cli
