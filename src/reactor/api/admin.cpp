#include "reactor/api/deployment_json.hpp"
#include "reactor/api/handlers.hpp"
#include "reactor/util/log.hpp"

#include <boost/json/serialize.hpp>

namespace reactor::api {

net::Response
list_dead_letters(ApiContext& context)
{
  auto letters = context.store.list_dead_letters();
  if (!letters) {
    return store_failure(letters.error());
  }
  boost::json::array items;
  for (const auto& letter : *letters) {
    items.push_back(boost::json::object{
      { "deploymentId", letter.deployment_id },
      { "receives", letter.receives },
      { "reason", letter.reason },
      { "deadAt", iso8601(letter.dead_at_ms) },
    });
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "deadLetters", std::move(items) } }));
}

net::Response
redrive_dead_letter(std::string_view id, ApiContext& context)
{
  auto redriven = context.store.redrive(id);
  if (!redriven) {
    return store_failure(redriven.error());
  }
  if (!*redriven) {
    return net::json_error(404, "No dead letter for deployment '" + std::string(id) + "'");
  }
  util::log::info("job.redriven", { { "id", id } });
  if (context.on_enqueued) {
    context.on_enqueued();
  }
  auto found = context.store.find_deployment(id);
  if (!found) {
    return store_failure(found.error());
  }
  const auto& deployment = *found;
  if (!deployment) {
    return unknown_deployment(id);
  }
  AliasLookup aliases(context);
  auto json = deployment_view(*deployment, aliases, context);
  if (!json) {
    return store_failure(json.error());
  }
  return net::json_response(202, boost::json::serialize(*json));
}

} // namespace reactor::api
