#include "reactor/core/project_env.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace reactor::core {
namespace {

TEST(ProjectEnv, NamesFollowTheRuleAndReservedOnesAreRefused)
{
  for (const auto* name : { "A", "_x", "MY_VAR", "vite_api_url2" }) {
    EXPECT_TRUE(check_env_name(name)) << name;
  }
  for (const auto* name : { "", "1A", "MY-VAR", "A B", "É", "A=B" }) {
    auto checked = check_env_name(name);
    ASSERT_FALSE(checked) << name;
    EXPECT_NE(checked.error().message.find("^[A-Za-z_][A-Za-z0-9_]*$"), std::string::npos);
  }
  EXPECT_FALSE(check_env_name(std::string(129, 'A')));
  auto reserved = check_env_name("REACTOR_ENV");
  ASSERT_FALSE(reserved);
  EXPECT_NE(reserved.error().message.find("reserved"), std::string::npos);
  EXPECT_FALSE(check_env_name("PATH"));
  EXPECT_FALSE(check_env_name("HOME"));
}

TEST(ProjectEnv, ParsesTheBodyWithBothScopesByDefault)
{
  auto both = parse_env_request(R"({"value": "v"})");
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->value, "v");
  EXPECT_EQ(both->scopes, EnvScopes{});
  auto preview = parse_env_request(R"({"value": "", "scopes": ["preview", "preview"]})");
  ASSERT_TRUE(preview) << preview.error().message;
  EXPECT_EQ(preview->scopes, (EnvScopes{ .production = false, .preview = true }));
  auto value = std::string(k_max_env_value_bytes, 'x');
  EXPECT_TRUE(parse_env_request(R"({"value": ")" + value + "\"}"));
}

TEST(ProjectEnv, RefusesABodyItCannotUseSayingWhy)
{
  const std::pair<std::string, std::string> cases[] = {
    { "not json", "JSON object" },
    { R"({"value": "v", "scope": ["preview"]})", "unknown field 'scope'" },
    { R"({})", "value must be a string" },
    { R"({"value": 1})", "value must be a string" },
    { R"({"value": "a\u0000b"})", "NUL" },
    { R"({"value": ")" + std::string(k_max_env_value_bytes + 1, 'x') + "\"}", "64 KiB" },
    { R"({"value": "v", "scopes": []})", "scopes must be a list" },
    { R"({"value": "v", "scopes": "preview"})", "scopes must be a list" },
    { R"({"value": "v", "scopes": ["staging"]})", R"("staging" is not a scope)" },
  };
  for (const auto& [body, message] : cases) {
    auto parsed = parse_env_request(body);
    ASSERT_FALSE(parsed) << body.substr(0, 80);
    EXPECT_NE(parsed.error().message.find(message), std::string::npos) << parsed.error().message;
  }
}

TEST(ProjectEnv, ScopesReadBackAsWritten)
{
  for (const auto scopes : { EnvScopes{},
                             EnvScopes{ .production = true, .preview = false },
                             EnvScopes{ .production = false, .preview = true } }) {
    EXPECT_EQ(parse_scopes_text(scopes_text(scopes)), scopes);
  }
  EXPECT_FALSE(parse_scopes_text("staging"));
  EXPECT_EQ(boost::json::serialize(scopes_json(EnvScopes{})), R"(["production","preview"])");
  const std::vector<EnvVariable> variables{
    { .name = "BOTH" },
    { .name = "PRODUCTION", .scopes = { .production = true, .preview = false } },
    { .name = "PREVIEW", .scopes = { .production = false, .preview = true } },
  };
  const auto names = [](const std::vector<EnvVariable>& chosen) {
    std::vector<std::string> list;
    list.reserve(chosen.size());
    for (const auto& variable : chosen) {
      list.push_back(variable.name);
    }
    return list;
  };
  EXPECT_EQ(names(variables_in_scope(variables, true)),
            (std::vector<std::string>{ "BOTH", "PRODUCTION" }));
  EXPECT_EQ(names(variables_in_scope(variables, false)),
            (std::vector<std::string>{ "BOTH", "PREVIEW" }));
  EXPECT_TRUE(in_scope({ .production = true, .preview = false }, true));
  EXPECT_FALSE(in_scope({ .production = true, .preview = false }, false));
  EXPECT_NE(env_associated_data("a", "B"), env_associated_data("b", "B"));
}

} // namespace
} // namespace reactor::core
