#pragma once

// Internal to cli/: what the commands share: connecting, expecting an answer, reporting a
// failure, printing one object or a list.

#include "reactor/cli/api_client.hpp"
#include "reactor/cli/commands.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace reactor::cli {

// A failed step of a command: what to say and how to exit. `json` is the object --json
// prints (the API's error answer when there was one).
struct Failure
{
  int exit_code = k_exit_failed;
  std::string message;
  std::string json;
};

template<typename T>
using Outcome = std::expected<T, Failure>;

std::unexpected<Failure> failure(int exit_code, std::string message, std::string json = {});

// Prints the failure (and its JSON with --json); returns its exit code.
int report(const ClientOptions& client, const Failure& failure);

std::optional<boost::json::object> parse_object(std::string_view text);

// The failure a non-2xx answer means, in words that say what to do about it.
Failure http_failure(const ClientOptions& client, const Reply& reply);

// The client for the options, or why the server address is unusable.
Outcome<ApiClient> connect(const ClientOptions& client);

Outcome<void> check_id(std::string_view id);

// The answer to a request that must succeed with `expected`.
Outcome<Reply> expect(const ClientOptions& client, util::Result<Reply> reply, long expected);
Outcome<boost::json::object> expect_object(const ClientOptions& client,
                                           util::Result<Reply> reply,
                                           long expected);

// Connects, checks the id and makes the one request `send` makes with the client, which
// must answer `expected`.
template<typename Send>
Outcome<Reply>
request_about(const ClientOptions& client, std::string_view id, long expected, Send send)
{
  auto api = connect(client);
  if (!api) {
    return std::unexpected(api.error());
  }
  if (auto valid = check_id(id); !valid) {
    return std::unexpected(valid.error());
  }
  return expect(client, send(*api), expected);
}

void print_json(std::string_view body);

// The end of a command that changes one thing: the answer as JSON with --json, else `line`.
int acknowledge(const ClientOptions& client, const Outcome<Reply>& reply, std::string_view line);

void print_text(std::string_view text);

// Prints one object the server answered: as JSON with --json, else as `fields` lays it out.
int print_one(const ClientOptions& client,
              const Outcome<Reply>& reply,
              std::string (*fields)(const boost::json::object&));

// Deletes /projects/<project>/<collection>/<name> (a variable, a deploy hook): 204.
int remove_of_project(const ClientOptions& client,
                      std::string_view project,
                      std::string_view collection,
                      std::string_view name);

// Fetches `path`, whose answer is {"<key>": [...]}, and prints it: as JSON with --json,
// `empty` when the list is empty, else as `table` makes it.
int print_list(const ClientOptions& client,
               const std::string& path,
               std::string_view key,
               std::string_view empty,
               std::string (*table)(const boost::json::array&));

} // namespace reactor::cli
