#include "reactor/api/certificates.hpp"

#include "reactor/api/handlers.hpp"
#include "reactor/util/text.hpp"

#include <boost/json/serialize.hpp>

namespace reactor::api {

namespace {

std::string_view
state_name(store::CertificateState state)
{
  switch (state) {
    case store::CertificateState::issuing:
      return "issuing";
    case store::CertificateState::active:
      return "active";
    case store::CertificateState::error:
      return "error";
  }
  return "error";
}

boost::json::value
time_or_null(std::int64_t epoch_ms)
{
  return epoch_ms > 0 ? boost::json::value(util::iso8601(epoch_ms)) : boost::json::value(nullptr);
}

} // namespace

net::Response
list_certificates(store::MetadataStore& store)
{
  auto certificates = store.certificates();
  if (!certificates) {
    return store_failure(certificates.error());
  }
  boost::json::array items;
  for (const auto& certificate : *certificates) {
    boost::json::array names(certificate.names.begin(), certificate.names.end());
    items.push_back(boost::json::object{
      { "names", std::move(names) },
      { "state", state_name(certificate.state) },
      { "notAfter", time_or_null(certificate.not_after_ms) },
      { "lastError", certificate.last_error },
      { "nextAttempt", time_or_null(certificate.next_attempt_ms) },
    });
  }
  return net::json_response(
    200, boost::json::serialize(boost::json::object{ { "certificates", std::move(items) } }));
}

} // namespace reactor::api
