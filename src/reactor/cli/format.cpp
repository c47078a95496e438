#include "reactor/cli/format.hpp"

#include "reactor/util/units.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>

namespace reactor::cli {

namespace {

std::string
or_dash(std::string text)
{
  if (text.empty()) {
    text = "-";
  }
  return text;
}

// A table of a header and a row for each object of `items`.
template<typename Row>
std::string
object_table(std::vector<std::string> header, const boost::json::array& items, Row row)
{
  std::vector<std::vector<std::string>> rows{ std::move(header) };
  for (const auto& item : items) {
    if (item.is_object()) {
      rows.push_back(row(item.get_object()));
    }
  }
  return table(rows);
}

} // namespace

std::string
short_time(std::string text)
{
  if (text.size() >= 19 && text[10] == 'T') {
    text[10] = ' ';
    text.resize(19);
  }
  return text;
}

std::string
text_of(const boost::json::object& object, std::string_view name)
{
  const auto* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) {
    return {};
  }
  return value->is_string() ? std::string(value->get_string()) : boost::json::serialize(*value);
}

std::string
table(const std::vector<std::vector<std::string>>& rows)
{
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t column = 0; column < row.size(); ++column) {
      widths[column] = std::max(widths[column], row[column].size());
    }
  }
  std::string text;
  for (const auto& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      text += row[column];
      if (column + 1 < row.size()) {
        text.append(widths[column] - row[column].size() + 2, ' ');
      }
    }
    text += '\n';
  }
  return text;
}

std::string
build_duration(const boost::json::object& deployment)
{
  const auto* build = deployment.if_contains("build");
  const auto* durations = build != nullptr && build->is_object()
                            ? build->get_object().if_contains("durationsMs")
                            : nullptr;
  if (durations == nullptr || !durations->is_object() || durations->get_object().empty()) {
    return "-";
  }
  // Not "queue" (the wait for a worker is not the build's) nor "commands" (a part of
  // install and build).
  std::int64_t total = 0;
  for (const auto* phase : { "clone", "install", "build", "upload" }) {
    const auto* ms = durations->get_object().if_contains(phase);
    if (const auto* number = ms != nullptr ? ms->if_int64() : nullptr;
        number != nullptr && *number > 0) {
      total += *number;
    }
  }
  return util::format_seconds(std::chrono::milliseconds(total));
}

std::string
deployments_table(const boost::json::array& deployments)
{
  return object_table({ "ID", "STATUS", "PHASE", "DURATION", "CREATED", "URL", "REPOSITORY" },
                      deployments,
                      [](const boost::json::object& deployment) {
                        std::string repository = text_of(deployment, "repoUrl");
                        if (const std::string ref = text_of(deployment, "ref"); !ref.empty()) {
                          repository += "#" + ref;
                        }
                        return std::vector<std::string>{
                          text_of(deployment, "id"),
                          text_of(deployment, "status"),
                          or_dash(text_of(deployment, "phase")),
                          build_duration(deployment),
                          short_time(text_of(deployment, "createdAt")),
                          or_dash(text_of(deployment, "url")),
                          repository,
                        };
                      });
}

std::string
queue_place(const boost::json::object& deployment)
{
  const auto position = text_of(deployment, "queuePosition");
  return position.empty() ? std::string()
                          : "#" + position + ", " + text_of(deployment, "queueReason");
}

std::string
deployment_fields(const boost::json::object& deployment)
{
  std::vector<std::vector<std::string>> rows{
    { "id", text_of(deployment, "id") },
    { "status", text_of(deployment, "status") },
  };
  if (auto queue = queue_place(deployment); !queue.empty()) {
    rows.push_back({ "queue", std::move(queue) });
  }
  rows.insert(rows.end(),
              {
                { "phase", or_dash(text_of(deployment, "phase")) },
                { "error", or_dash(text_of(deployment, "error")) },
                { "repository", text_of(deployment, "repoUrl") },
                { "ref", or_dash(text_of(deployment, "ref")) },
                { "commit", or_dash(text_of(deployment, "commit")) },
                { "url", text_of(deployment, "url") },
                { "created", short_time(text_of(deployment, "createdAt")) },
                { "updated", short_time(text_of(deployment, "updatedAt")) },
              });
  return table(rows);
}

std::string
projects_table(const boost::json::array& projects)
{
  return object_table({ "NAME", "URL", "SERVING", "BRANCH", "REPOSITORY" },
                      projects,
                      [](const boost::json::object& project) {
                        return std::vector<std::string>{
                          text_of(project, "name"),
                          text_of(project, "url"),
                          or_dash(text_of(project, "productionDeploymentId")),
                          or_dash(text_of(project, "productionBranch")),
                          text_of(project, "repoUrl"),
                        };
                      });
}

std::string
env_table(const boost::json::array& variables)
{
  return object_table(
    { "NAME", "SCOPES", "UPDATED" }, variables, [](const boost::json::object& variable) {
      std::string scopes;
      if (const auto* list = variable.if_contains("scopes"); list != nullptr && list->is_array()) {
        for (const auto& scope : list->get_array()) {
          const auto* name = scope.if_string();
          scopes +=
            (scopes.empty() ? "" : ",") + (name != nullptr ? std::string(*name) : std::string());
        }
      }
      return std::vector<std::string>{
        text_of(variable, "name"),
        scopes,
        short_time(text_of(variable, "updatedAt")),
      };
    });
}

std::string
deploy_hooks_table(const boost::json::array& hooks)
{
  return object_table({ "NAME", "BRANCH", "CREATED" }, hooks, [](const boost::json::object& hook) {
    return std::vector<std::string>{ text_of(hook, "name"),
                                     text_of(hook, "branch"),
                                     short_time(text_of(hook, "createdAt")) };
  });
}

std::string
webhook_deliveries_table(const boost::json::array& deliveries)
{
  return object_table({ "RECEIVED", "FROM", "EVENT", "ANSWER", "BUILD" },
                      deliveries,
                      [](const boost::json::object& delivery) {
                        return std::vector<std::string>{
                          short_time(text_of(delivery, "receivedAt")),
                          text_of(delivery, "provider"),
                          text_of(delivery, "event"),
                          text_of(delivery, "status") + " " + text_of(delivery, "result"),
                          or_dash(text_of(delivery, "deploymentId"))
                        };
                      });
}

std::string
domains_table(const boost::json::array& domains)
{
  return object_table(
    { "DOMAIN", "STATE", "WHAT TO FIX" }, domains, [](const boost::json::object& domain) {
      return std::vector<std::string>{ text_of(domain, "domain"),
                                       text_of(domain, "state"),
                                       or_dash(text_of(domain, "error")) };
    });
}

std::string
domain_records(const boost::json::object& domain)
{
  const auto* dns = domain.if_contains("dns");
  if (dns == nullptr || !dns->is_object()) {
    return {};
  }
  std::string text = "  CNAME  " + text_of(dns->get_object(), "cname") + "\n";
  if (const auto* addresses = dns->get_object().if_contains("addresses");
      addresses != nullptr && addresses->is_array()) {
    std::string values;
    for (const auto& address : addresses->get_array()) {
      values += (values.empty() ? "" : ", ") + std::string(address.as_string());
    }
    text += "  or A/AAAA  " + values + "\n";
  }
  return text;
}

std::string
notification_endpoints_table(const boost::json::array& endpoints)
{
  return object_table(
    { "ID", "URL", "EVENTS", "CREATED" }, endpoints, [](const boost::json::object& endpoint) {
      std::string events;
      if (const auto* list = endpoint.if_contains("events"); list != nullptr && list->is_array()) {
        for (const auto& event : list->get_array()) {
          events += (events.empty() ? "" : ",") + std::string(event.as_string());
        }
      }
      return std::vector<std::string>{ text_of(endpoint, "id"),
                                       text_of(endpoint, "url"),
                                       events.empty() ? "all" : events,
                                       short_time(text_of(endpoint, "createdAt")) };
    });
}

std::string
notifications_table(const boost::json::array& notifications)
{
  return object_table(
    { "ID", "ENDPOINT", "TYPE", "STATE", "ATTEMPTS", "ANSWER", "CREATED" },
    notifications,
    [](const boost::json::object& notification) {
      const auto error = text_of(notification, "lastError");
      const auto status = text_of(notification, "lastStatus");
      return std::vector<std::string>{ text_of(notification, "id"),
                                       text_of(notification, "endpointId"),
                                       text_of(notification, "type"),
                                       text_of(notification, "state"),
                                       text_of(notification, "attempts"),
                                       or_dash(error.empty() ? status : error),
                                       short_time(text_of(notification, "createdAt")) };
    });
}

std::string
project_fields(const boost::json::object& project)
{
  std::string text = table({
    { "name", text_of(project, "name") },
    { "url", text_of(project, "url") },
    { "serving", or_dash(text_of(project, "productionDeploymentId")) },
    { "auto-promote", text_of(project, "autoPromote") },
    { "deploy-tags", text_of(project, "deployTags") },
    { "fork-pull-requests", text_of(project, "buildForkPullRequests") },
    { "branch", or_dash(text_of(project, "productionBranch")) },
    { "repository", text_of(project, "repoUrl") },
    { "created", short_time(text_of(project, "createdAt")) },
  });
  if (const auto* aliases = project.if_contains("aliases");
      aliases != nullptr && aliases->is_array() && !aliases->get_array().empty()) {
    text += "\n" + object_table({ "HOSTNAME", "BRANCH", "DEPLOYMENT" },
                                aliases->get_array(),
                                [](const boost::json::object& alias) {
                                  return std::vector<std::string>{
                                    text_of(alias, "url"),
                                    or_dash(text_of(alias, "branch")),
                                    text_of(alias, "deploymentId"),
                                  };
                                });
  }
  if (const auto* env = project.if_contains("env");
      env != nullptr && env->is_array() && !env->get_array().empty()) {
    text += "\n" + env_table(env->get_array());
  }
  return text;
}

std::string
dead_letters_table(const boost::json::array& letters)
{
  return object_table({ "DEPLOYMENT", "RECEIVES", "DEAD SINCE", "REASON" },
                      letters,
                      [](const boost::json::object& letter) {
                        return std::vector<std::string>{
                          text_of(letter, "deploymentId"),
                          text_of(letter, "receives"),
                          short_time(text_of(letter, "deadAt")),
                          text_of(letter, "reason"),
                        };
                      });
}

std::string
gc_summary(const boost::json::object& answer, bool dry_run)
{
  std::string line = (dry_run ? "Would delete " : "Deleted ") +
                     text_of(answer, "deploymentsDeleted") + " deployments, " +
                     text_of(answer, "blobsDeleted") + " blobs (" + text_of(answer, "bytesFreed") +
                     " bytes) and " + text_of(answer, "manifestsDeleted") + " manifests; kept " +
                     text_of(answer, "blobsKept") + " blobs";
  if (!dry_run) {
    line += "; dependency cache: " + text_of(answer, "dependencyCacheEntriesDeleted") +
            " entries (" + text_of(answer, "dependencyCacheBytesFreed") + " bytes)";
  }
  return line;
}

std::string
log_json(std::string_view id, std::string_view log)
{
  boost::json::array lines;
  for (std::size_t start = 0; start < log.size();) {
    const std::size_t end = std::min(log.find('\n', start), log.size());
    lines.emplace_back(log.substr(start, end - start));
    start = end + 1;
  }
  return boost::json::serialize(boost::json::object{ { "id", id }, { "lines", std::move(lines) } });
}

std::string
error_json(std::string_view message)
{
  return boost::json::serialize(boost::json::object{ { "error", message } });
}

std::string
json_line(std::string_view json)
{
  std::string line(json);
  if (!line.ends_with('\n')) {
    line += '\n';
  }
  return line;
}

} // namespace reactor::cli
