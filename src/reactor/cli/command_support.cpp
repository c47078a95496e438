#include "reactor/cli/command_support.hpp"

#include "reactor/cli/format.hpp"
#include "reactor/core/deployment.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <iostream>
#include <unistd.h>

namespace reactor::cli {

namespace {

constexpr std::size_t k_shown_body = 300;

// "https://host:port" of a URL: what --server takes.
std::string
origin_of(std::string_view url)
{
  const std::size_t scheme_end = url.find("://");
  const std::size_t path_start =
    scheme_end == std::string_view::npos ? url.size() : url.find('/', scheme_end + 3);
  return std::string(url.substr(0, path_start));
}

} // namespace

Failure
http_failure(const ClientOptions& client, const Reply& reply)
{
  const auto object = parse_object(reply.body);
  std::string said = object ? text_of(*object, "error") : std::string{};
  if (said.empty()) {
    said = reply.body.substr(0, k_shown_body);
  }
  const std::string json = object ? reply.body : std::string{};
  const std::string code = "HTTP " + std::to_string(reply.status);
  switch (reply.status) {
    case 401:
    case 403:
      return Failure{ k_exit_usage,
                      "the server at " + client.server + " refused the request (" + code +
                        (said.empty() ? "" : ": " + said) + "). " +
                        (client.token.empty()
                           ? "Set the API token with --token or the REACTOR_API_TOKEN "
                             "environment variable"
                           : "The token given (--token or REACTOR_API_TOKEN) is not one it "
                             "accepts"),
                      json };
    case 301:
    case 302:
    case 307:
    case 308:
      if (!reply.location.empty()) {
        return Failure{ k_exit_usage,
                        "the server at " + client.server + " redirects to " + reply.location +
                          ": give that server with --server " + origin_of(reply.location) +
                          " or the REACTOR_URL environment variable",
                        json };
      }
      break;
    case 400:
    case 422:
      return Failure{ k_exit_usage, said.empty() ? "the server rejected the request" : said, json };
    case 404:
    case 409:
      return Failure{ k_exit_failed, said.empty() ? "the server answered " + code : said, json };
    default:
      break;
  }
  return Failure{ k_exit_failed,
                  "the server answered " + code + (said.empty() ? "" : ": " + said),
                  json };
}

std::unexpected<Failure>
failure(int exit_code, std::string message, std::string json)
{
  return std::unexpected(Failure{ exit_code, std::move(message), std::move(json) });
}

int
report(const ClientOptions& client, const Failure& failure)
{
  if (client.json) {
    std::cout << (failure.json.empty() ? error_json(failure.message) : failure.json) << '\n'
              << std::flush;
  }
  std::cerr << "reactor: " << failure.message << '\n';
  return failure.exit_code;
}

std::optional<boost::json::object>
parse_object(std::string_view text)
{
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) {
    return std::nullopt;
  }
  return std::move(value.get_object());
}

Outcome<ApiClient>
connect(const ClientOptions& client)
{
  auto server = normalize_server_url(client.server);
  if (!server) {
    return failure(k_exit_usage, server.error().message + " (set it with --server or REACTOR_URL)");
  }
  if (!client.ca_file.empty() && ::access(client.ca_file.c_str(), R_OK) != 0) {
    return failure(k_exit_usage,
                   "cannot read the CA file '" + client.ca_file +
                     "' (--ca-file or REACTOR_CA_FILE)");
  }
  return ApiClient(std::move(*server), client.token, client.ca_file);
}

Outcome<void>
check_id(std::string_view id)
{
  if (!core::is_deployment_id(id)) {
    return failure(k_exit_usage,
                   "'" + std::string(id) +
                     "' is not a deployment id (10 lowercase letters and digits, as `reactor "
                     "ls` shows them)");
  }
  return {};
}

Outcome<Reply>
expect(const ClientOptions& client, util::Result<Reply> reply, long expected)
{
  if (!reply) {
    return failure(k_exit_usage, reply.error().message);
  }
  if (reply->status != expected) {
    return std::unexpected(http_failure(client, *reply));
  }
  return std::move(*reply);
}

Outcome<boost::json::object>
expect_object(const ClientOptions& client, util::Result<Reply> reply, long expected)
{
  auto answer = expect(client, std::move(reply), expected);
  if (!answer) {
    return std::unexpected(answer.error());
  }
  auto object = parse_object(answer->body);
  if (!object) {
    return failure(k_exit_failed,
                   "the server at " + client.server + " answered something that is not JSON: " +
                     answer->body.substr(0, k_shown_body));
  }
  return std::move(*object);
}

void
print_json(std::string_view body)
{
  std::cout << json_line(body) << std::flush;
}

int
acknowledge(const ClientOptions& client, const Outcome<Reply>& reply, std::string_view line)
{
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
  } else {
    std::cout << line << '\n';
  }
  return k_exit_ok;
}

void
print_text(std::string_view text)
{
  std::cout << text << std::flush;
}

int
print_one(const ClientOptions& client,
          const Outcome<Reply>& reply,
          std::string (*fields)(const boost::json::object&))
{
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
    return k_exit_ok;
  }
  print_text(fields(parse_object(reply->body).value_or(boost::json::object{})));
  return k_exit_ok;
}

int
remove_of_project(const ClientOptions& client,
                  std::string_view project,
                  std::string_view collection,
                  std::string_view name)
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto reply = expect(client,
                      api->remove("/projects/" + std::string(project) + "/" +
                                  std::string(collection) + "/" + std::string(name)),
                      204);
  if (reply && client.json) {
    reply->body = boost::json::serialize(boost::json::object{
      { "project", std::string(project) }, { "name", std::string(name) }, { "deleted", true } });
  }
  return acknowledge(
    client, reply, "Deleted " + std::string(name) + " of project " + std::string(project));
}

int
print_list(const ClientOptions& client,
           const std::string& path,
           std::string_view key,
           std::string_view empty,
           std::string (*table)(const boost::json::array&))
{
  auto api = connect(client);
  if (!api) {
    return report(client, api.error());
  }
  auto reply = expect(client, api->get(path), 200);
  if (!reply) {
    return report(client, reply.error());
  }
  if (client.json) {
    print_json(reply->body);
    return k_exit_ok;
  }
  const auto object = parse_object(reply->body);
  const auto* items = object ? object->if_contains(key) : nullptr;
  if (items == nullptr || !items->is_array()) {
    return report(
      client,
      Failure{ k_exit_failed, "the server's list is not {\"" + std::string(key) + "\": […]}", {} });
  }
  if (items->get_array().empty()) {
    std::cout << empty << '\n';
    return k_exit_ok;
  }
  print_text(table(items->get_array()));
  return k_exit_ok;
}

} // namespace reactor::cli
