#include "reactor/core/deployment.hpp"

#include "reactor/core/build_settings.hpp"
#include "reactor/util/random.hpp"
#include "reactor/util/sha256.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

namespace reactor::core {

namespace {

constexpr std::array k_status_names{
  std::pair{ Status::pending, std::string_view{ "PENDING" } },
  std::pair{ Status::in_progress, std::string_view{ "IN_PROGRESS" } },
  std::pair{ Status::deployed, std::string_view{ "DEPLOYED" } },
  std::pair{ Status::error, std::string_view{ "ERROR" } },
  std::pair{ Status::canceled, std::string_view{ "CANCELED" } },
};

constexpr std::array k_phase_names{
  std::pair{ Phase::none, std::string_view{ "" } },
  std::pair{ Phase::cloning, std::string_view{ "cloning" } },
  std::pair{ Phase::installing, std::string_view{ "installing" } },
  std::pair{ Phase::building, std::string_view{ "building" } },
  std::pair{ Phase::uploading, std::string_view{ "uploading" } },
};

template<typename Enum, std::size_t N>
std::string_view
name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value)
{
  for (const auto& [candidate, name] : names) {
    if (candidate == value) {
      return name;
    }
  }
  return {};
}

template<typename Enum, std::size_t N>
std::optional<Enum>
value_of(const std::array<std::pair<Enum, std::string_view>, N>& names, std::string_view text)
{
  for (const auto& [value, name] : names) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

} // namespace

std::string_view
to_string(Status status)
{
  return name_of(k_status_names, status);
}

std::optional<Status>
parse_status(std::string_view text)
{
  return value_of(k_status_names, text);
}

bool
is_final(Status status)
{
  return status == Status::deployed || status == Status::error || status == Status::canceled;
}

std::string
new_deployment_id()
{
  return util::random_id(10);
}

bool
is_deployment_id(std::string_view text)
{
  return text.size() == 10 && std::ranges::all_of(text, [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
         });
}

std::string_view
to_string(Phase phase)
{
  return name_of(k_phase_names, phase);
}

std::optional<Phase>
parse_phase(std::string_view text)
{
  return value_of(k_phase_names, text);
}

std::string
inputs_digest(const Deployment& deployment)
{
  std::map<std::string_view, std::string_view> by_name; // the same set in the same order
  for (const auto& variable : deployment.env) {
    by_name.emplace(variable.name, variable.sealed);
  }
  boost::json::object variables;
  for (const auto& [name, sealed] : by_name) {
    variables[name] = sealed;
  }
  const boost::json::object inputs{ { "settings", build_settings_json(deployment.settings) },
                                    { "variables", std::move(variables) },
                                    { "fromFork", deployment.from_fork } };
  return util::sha256_hex(boost::json::serialize(inputs));
}

} // namespace reactor::core
