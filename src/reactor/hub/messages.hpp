#pragma once

#include "reactor/core/deployment.hpp"

#include <string>
#include <string_view>

namespace reactor::hub {

// The JSON messages of the /ws protocol (DESIGN.md, "The wire protocol").

// {"type":"STATUS_UPDATE",…,"project"} for a status event, {"type":"LOG",…} for a log event,
// {"type":"SYSTEM","id","message"} for a deletion, {"type":"ALIAS_UPDATE","project",
// "hostname" (the label under `site_domain`),…} for an alias move.
std::string event_message(const core::Event& event, std::string_view site_domain);
// The same event as one Server-Sent Event: "id: <seq>\ndata: <event_message>\n\n".
std::string sse_message(const core::Event& event, std::string_view site_domain);
std::string system_message(std::string_view text);
std::string error_message(std::string_view text);

} // namespace reactor::hub
