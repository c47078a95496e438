#include "reactor/hub/messages.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace reactor::hub {

std::string
event_message(const core::Event& event, std::string_view site_domain)
{
  if (event.kind == core::EventKind::deleted) {
    return boost::json::serialize(
      boost::json::object{ { "type", "SYSTEM" },
                           { "id", event.deployment_id },
                           { "message", "Deployment " + event.deployment_id + " was deleted" } });
  }
  if (event.kind == core::EventKind::alias) {
    return boost::json::serialize(boost::json::object{
      { "type", "ALIAS_UPDATE" },
      { "id", event.deployment_id },
      { "seq", event.seq },
      { "project", event.project },
      { "label", event.line },
      { "hostname", event.line + "." + std::string(site_domain) },
      { "deploymentId",
        event.deployment_id.empty() ? boost::json::value(nullptr)
                                    : boost::json::value(event.deployment_id) } });
  }
  if (event.kind == core::EventKind::log) {
    return boost::json::serialize(boost::json::object{ { "type", "LOG" },
                                                       { "id", event.deployment_id },
                                                       { "seq", event.seq },
                                                       { "line", event.line } });
  }
  boost::json::object message{ { "type", "STATUS_UPDATE" },
                               { "id", event.deployment_id },
                               { "seq", event.seq },
                               { "status", core::to_string(event.status) },
                               { "phase", core::to_string(event.phase) } };
  message["error"] =
    event.error.empty() ? boost::json::value(nullptr) : boost::json::value(event.error);
  message["project"] =
    event.project.empty() ? boost::json::value(nullptr) : boost::json::value(event.project);
  return boost::json::serialize(message);
}

std::string
sse_message(const core::Event& event, std::string_view site_domain)
{
  return "id: " + std::to_string(event.seq) + "\ndata: " + event_message(event, site_domain) +
         "\n\n";
}

std::string
system_message(std::string_view text)
{
  return boost::json::serialize(boost::json::object{ { "type", "SYSTEM" }, { "message", text } });
}

std::string
error_message(std::string_view text)
{
  return boost::json::serialize(boost::json::object{ { "type", "ERROR" }, { "message", text } });
}

} // namespace reactor::hub
