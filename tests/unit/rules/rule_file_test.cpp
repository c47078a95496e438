#include "reactor/rules/rule_file.hpp"
#include "reactor/util/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace reactor::rules {

TEST(RuleFile, SplitsLines)
{
  EXPECT_EQ(rule_file_lines("\xEF\xBB\xBF/a /b\r\n\n/c /d"),
            (std::vector<std::string_view>{ "/a /b", "", "/c /d" }));
  EXPECT_EQ(rule_file_lines("x\n"), (std::vector<std::string_view>{ "x" }));
  EXPECT_TRUE(rule_file_lines("").empty());
  EXPECT_EQ(quote_excerpt("a\x1b[31mb"), "\"a?[31mb\"");
  EXPECT_EQ(quote_excerpt(std::string(150, 'x')), "\"" + std::string(100, 'x') + "…\"");
}

TEST(RuleFile, TrimsBlanks)
{
  EXPECT_EQ(util::trim(" \t/a b\r\v\f", k_whitespace), "/a b");
  EXPECT_EQ(util::trim(" \t ", k_whitespace), "");
}

} // namespace reactor::rules
