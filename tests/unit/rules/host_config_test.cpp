#include "reactor/rules/host_config.hpp"

#include <gtest/gtest.h>

namespace reactor::rules {

TEST(HostConfig, RulesComeAfterTheSitesOwn)
{
  SiteRules site{ parse_redirects("/a /from-file 301\n/dyn/* /d/:splat\n"),
                  parse_headers("/x\n  X-A: 1\n") };
  HostConfig config;
  config.redirects = { { "/a", "/from-host", 308, 1 }, { "/b", "/c", 308, 2 } };
  config.headers = { { "/x", { { "x-b", "2" } }, {}, 3 } };
  const auto problems = append_host_rules(site, config);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0],
            "redirect from \"/a\": duplicate source \"/a\" (the earlier rule applies); ignored");
  ASSERT_EQ(site.redirects.rules.size(), 3U);
  EXPECT_EQ(site.redirects.rules[0].to, "/from-file");
  EXPECT_EQ(site.redirects.rules[2].from, "/b");
  // After a dynamic rule, every rule is matched in order: none is indexed.
  EXPECT_EQ(site.redirects.static_index.size(), 1U);
  ASSERT_EQ(site.headers.rules.size(), 2U);
  EXPECT_EQ(site.headers.rules[1].set.front().first, "x-b");
}

TEST(HostConfig, StaticRulesAreIndexedAndLimitsHold)
{
  SiteRules site;
  HostConfig config;
  for (std::size_t i = 0; i <= k_max_dynamic_redirects; ++i) {
    config.redirects.push_back({ "/d" + std::to_string(i) + "/*", "/x", 301, i });
  }
  config.redirects.insert(config.redirects.begin(), RedirectRule{ "/s", "/t", 301, 0 });
  for (std::size_t i = 0; i <= k_max_header_rules; ++i) {
    config.headers.push_back({ "/h" + std::to_string(i), { { "x-a", "1" } }, {}, i });
  }
  const auto problems = append_host_rules(site, config);
  ASSERT_EQ(problems.size(), 2U);
  EXPECT_NE(problems[0].find("more than 100 dynamic rules"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("more than 100 header rules"), std::string::npos) << problems[1];
  EXPECT_EQ(site.redirects.rules.size(), 1 + k_max_dynamic_redirects);
  EXPECT_EQ(site.redirects.static_index.at("/s"), 0U);
  EXPECT_EQ(site.headers.rules.size(), k_max_header_rules);
}

} // namespace reactor::rules
