#pragma once

#include "reactor/util/error.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace reactor::cli {

// One HTTP answer of the API.
struct Reply
{
  long status = 0;
  std::string body;
  std::string location; // where a redirect (3xx) points
};

// "http://host:port" without a trailing slash. Fails unless the text is an http:// or
// https:// URL, saying how to write one.
util::Result<std::string> normalize_server_url(std::string_view text);

// Talks HTTP to one Reactor server through libcurl. One per command; not thread-safe.
class ApiClient
{
public:
  // Called with each piece of a streamed body as it arrives; false stops the stream.
  using ChunkHandler = std::function<bool(std::string_view chunk)>;

  // `server` as normalize_server_url() returns it; a non-empty `token` is sent with every
  // request as "Authorization: Bearer <token>"; a non-empty `ca_file` replaces the
  // system's CA certificates for an https:// server.
  ApiClient(std::string server, std::string token, std::string ca_file = {});

  const std::string& server() const { return m_server; }

  // GET of an API path ("/deployments"). Fails only when no complete HTTP answer came
  // (unreachable, broken connection, timeout); the message names the server and says how
  // to pick another. Any HTTP status is a Reply.
  util::Result<Reply> get(std::string_view path) const;

  // POST of a JSON body (may be empty) to an API path; fails like get().
  util::Result<Reply> post(std::string_view path, std::string_view json) const;

  // PATCH of a JSON body to an API path; fails like get().
  util::Result<Reply> patch(std::string_view path, std::string_view json) const;

  // PUT of a JSON body to an API path; fails like get().
  util::Result<Reply> put(std::string_view path, std::string_view json) const;

  // DELETE of an API path; fails like get().
  util::Result<Reply> remove(std::string_view path) const;

  // GET of a streamed path (events, followed logs): while the status is 2xx the body
  // goes to `on_chunk` piece by piece and Reply::body stays empty; any other status
  // collects the body into the Reply. `on_idle` runs about every 100 ms meanwhile. A
  // nonzero `silence_limit` fails the stream when nothing (not even a heartbeat) arrived
  // for that long. Fails like get(), also when the connection breaks mid-stream; ends
  // normally when the server ends the body or `on_chunk` returns false.
  util::Result<Reply> stream(std::string_view path,
                             const ChunkHandler& on_chunk,
                             const std::function<void()>& on_idle,
                             std::chrono::seconds silence_limit = {}) const;

private:
  struct Request
  {
    std::string_view path;
    std::string_view post_body;
    bool post = false;                      // the body is sent, as JSON
    std::string_view method;                // another method than GET or POST ("DELETE", "PATCH")
    const ChunkHandler* on_chunk = nullptr; // null: collect the body
    std::function<void()> on_idle;
    std::chrono::seconds silence_limit{};
  };

  util::Result<Reply> perform(const Request& request) const;

  std::string m_server;
  std::string m_token;
  std::string m_ca_file;
};

} // namespace reactor::cli
