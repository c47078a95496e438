#include "reactor/api/handlers.hpp"

#include <charconv>

namespace reactor::api {

namespace {

constexpr std::size_t k_stream_queue = 4096;
constexpr int k_page = 1000;

std::optional<std::int64_t>
parse_seq(std::string_view text)
{
  std::int64_t seq = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc{} || end != text.data() + text.size() || seq < 0) {
    return std::nullopt;
  }
  return seq;
}

// A streamed response from `outbox`, which unwatches at its end.
net::Response
streamed(std::shared_ptr<net::Outbox> outbox,
         hub::Hub::WatchId watch_id,
         std::string content_type,
         ApiContext& context)
{
  net::Response response;
  response.headers.emplace_back("Content-Type", std::move(content_type));
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = std::move(outbox);
  response.on_stream_end = [&hub = context.hub, watch_id] { hub.unwatch(watch_id); };
  return response;
}

// Watches the deployment and answers with a streamed response that unwatches at its end.
net::Response
streamed(std::string_view id,
         std::optional<std::int64_t> since,
         hub::Hub::Format format,
         std::string content_type,
         ApiContext& context)
{
  auto found = context.store.find_deployment(id);
  if (!found) {
    return store_failure(found.error());
  }
  if (!found->has_value()) {
    return unknown_deployment(id);
  }
  auto outbox = std::make_shared<net::Outbox>(k_stream_queue);
  auto watch_id = context.hub.watch(std::string(id), since, outbox, format);
  if (!watch_id) {
    return store_failure(watch_id.error());
  }
  return streamed(std::move(outbox), *watch_id, std::move(content_type), context);
}

// Where an EventSource resumes: Last-Event-ID, sent when it reconnects, wins over ?since=.
// nullopt for a fresh start; an error answer for a cursor that is not a sequence number.
std::expected<std::optional<std::int64_t>, net::Response>
resume_cursor(const net::Request& request)
{
  std::optional<std::string_view> cursor = request.query("since");
  if (const std::string_view last_event_id = request.header("last-event-id");
      !last_event_id.empty()) {
    cursor = last_event_id;
  }
  if (!cursor) {
    return std::nullopt;
  }
  const auto since = parse_seq(*cursor);
  if (!since) {
    return std::unexpected(
      net::json_error(400, "Last-Event-ID and since must be event sequence numbers"));
  }
  return since;
}

constexpr std::string_view k_sse_type = "text/event-stream; charset=utf-8";

// A Server-Sent Events answer: `watch(since)`, from where the request resumes, kept alive
// by heartbeats.
template<typename Watch>
net::Response
sse_stream(const net::Request& request, Watch watch)
{
  auto since = resume_cursor(request);
  if (!since) {
    return std::move(since.error());
  }
  net::Response response = watch(*since);
  response.heartbeat = ": keep-alive\n\n";
  return response;
}

} // namespace

net::Response
stream_events(std::string_view id, const net::Request& request, ApiContext& context)
{
  return sse_stream(request, [&](std::optional<std::int64_t> since) {
    return streamed(id, since, hub::Hub::Format::sse, std::string(k_sse_type), context);
  });
}

net::Response
stream_project_events(std::string_view name, const net::Request& request, ApiContext& context)
{
  return sse_stream(request, [&](std::optional<std::int64_t> since) {
    auto found = context.store.find_project(name);
    if (!found) {
      return store_failure(found.error());
    }
    if (!found->has_value()) {
      return unknown_project(name);
    }
    auto outbox = std::make_shared<net::Outbox>(k_stream_queue);
    auto watch_id =
      context.hub.watch_project(std::string(name), since, outbox, hub::Hub::Format::sse);
    if (!watch_id) {
      return store_failure(watch_id.error());
    }
    return streamed(std::move(outbox), *watch_id, std::string(k_sse_type), context);
  });
}

net::Response
get_logs(std::string_view id, const net::Request& request, ApiContext& context)
{
  if (const auto follow = request.query("follow"); follow && *follow != "0") {
    return streamed(id, 0, hub::Hub::Format::log_text, "text/plain; charset=utf-8", context);
  }
  auto found = context.store.find_deployment(id);
  if (!found) {
    return store_failure(found.error());
  }
  if (!found->has_value()) {
    return unknown_deployment(id);
  }
  net::Response response;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  for (std::int64_t after = 0;;) {
    auto events = context.store.events_after(after, id, k_page);
    if (!events) {
      return store_failure(events.error());
    }
    for (const auto& event : *events) {
      after = event.seq;
      if (event.kind == core::EventKind::log) {
        response.body += event.line;
        response.body += '\n';
      }
    }
    if (events->size() < static_cast<std::size_t>(k_page)) {
      break;
    }
  }
  return response;
}

} // namespace reactor::api
