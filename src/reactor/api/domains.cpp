#include "reactor/api/handlers.hpp"
#include "reactor/core/custom_domain.hpp"
#include "reactor/core/project_request.hpp"
#include "reactor/util/log.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

namespace reactor::api {

namespace {

// What the DNS of a project's custom domain must say: a CNAME to the project's production
// hostname, or A/AAAA records of this server's public addresses.
boost::json::object
dns_records(std::string_view project, const ApiContext& context)
{
  boost::json::object records{ { "cname", std::string(project) + "." + context.site_domain } };
  if (!context.public_ips.empty()) {
    boost::json::array addresses;
    for (const auto& address : context.public_ips) {
      addresses.emplace_back(address);
    }
    records["addresses"] = std::move(addresses);
  }
  return records;
}

// An active domain whose certificate ACME has not issued yet shows as "issuing", with the
// last order's error; nullptr: its certificate is no concern (pending, or no ACME).
boost::json::object
domain_json(const core::CustomDomain& domain,
            const ApiContext& context,
            const std::vector<store::ManagedCertificate>* certificates = nullptr)
{
  std::string state(core::to_string(domain.state));
  std::string error = domain.last_error;
  if (certificates != nullptr && domain.state == core::DomainState::active) {
    const auto found = std::ranges::find_if(*certificates, [&](const auto& certificate) {
      return !certificate.names.empty() && certificate.names.front() == domain.domain;
    });
    if (found == certificates->end() || found->chain_pem.empty()) {
      state = "issuing";
      error = found == certificates->end() ? std::string() : found->last_error;
    }
  }
  boost::json::object json{ { "domain", domain.domain },
                            { "state", state },
                            { "dns", dns_records(domain.project, context) },
                            { "createdAt", util::iso8601(domain.created_at_ms) } };
  json["error"] = error.empty() ? boost::json::value(nullptr) : boost::json::value(error);
  json["checkedAt"] = domain.checked_at_ms == 0
                        ? boost::json::value(nullptr)
                        : boost::json::value(util::iso8601(domain.checked_at_ms));
  return json;
}

} // namespace

net::Response
add_custom_domain(std::string_view project, const net::Request& request, ApiContext& context)
{
  auto asked = core::parse_domain_request(request.body);
  if (!asked) {
    return net::json_error(400, asked.error().message);
  }
  auto domain = core::check_custom_domain(*asked, context.site_domain);
  if (!domain) {
    return net::json_error(422, domain.error().message);
  }
  if (auto owner = find_project(project, context); !owner) {
    return std::move(owner.error());
  }
  core::CustomDomain added{ .domain = *domain,
                            .project = std::string(project),
                            .created_at_ms = store::wall_clock_ms() };
  auto written = context.store.add_custom_domain(added);
  if (!written) {
    return store_failure(written.error());
  }
  if (*written == store::DomainWrite::unknown_project) {
    return unknown_project(project);
  }
  if (*written == store::DomainWrite::taken) {
    auto holder = context.store.find_custom_domain(*domain);
    if (!holder) {
      return store_failure(holder.error());
    }
    const auto& found = *holder;
    const bool ours = found && found->project == project;
    return net::json_error(409,
                           ours
                             ? *domain + " is a domain of " + std::string(project) + " already"
                             : *domain + " is a domain of another project: remove it there first");
  }
  util::log::info("domain.added", { { "project", project }, { "domain", added.domain } });
  return net::json_response(202, boost::json::serialize(domain_json(added, context)));
}

net::Response
list_custom_domains(std::string_view project, ApiContext& context)
{
  if (auto owner = find_project(project, context); !owner) {
    return std::move(owner.error());
  }
  auto domains = context.store.project_custom_domains(project);
  if (!domains) {
    return store_failure(domains.error());
  }
  std::vector<store::ManagedCertificate> certificates;
  if (context.orders_certificates) {
    auto stored = context.store.certificates();
    if (!stored) {
      return store_failure(stored.error());
    }
    certificates = std::move(*stored);
  }
  boost::json::array items;
  for (const auto& domain : *domains) {
    items.emplace_back(
      domain_json(domain, context, context.orders_certificates ? &certificates : nullptr));
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "domains", std::move(items) } }));
}

net::Response
remove_custom_domain(std::string_view project, std::string_view domain, ApiContext& context)
{
  if (auto owner = find_project(project, context); !owner) {
    return std::move(owner.error());
  }
  auto removed = context.store.delete_custom_domain(project, util::ascii_lowercase(domain));
  if (!removed) {
    return store_failure(removed.error());
  }
  if (!*removed) {
    return net::json_error(404, std::string(project) + " has no domain " + std::string(domain));
  }
  util::log::info("domain.removed", { { "project", project }, { "domain", domain } });
  return net::Response{ .status = 204 };
}

} // namespace reactor::api
