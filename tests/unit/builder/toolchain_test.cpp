#include "reactor/builder/toolchain.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace reactor::builder {
namespace {

// The first line `command` prints, as a shell runs it.
std::string
first_line_of(const char* command)
{
  const std::unique_ptr<FILE, decltype(&::pclose)> pipe(::popen(command, "r"), &::pclose);
  std::string line(64, '\0');
  if (!pipe || std::fgets(line.data(), static_cast<int>(line.size()), pipe.get()) == nullptr) {
    return {};
  }
  line.resize(line.find_first_of("\r\n\0", 0, 3));
  return line;
}

TEST(HostToolchain, ReadsTheVersionsTheToolsReport)
{
  const auto& toolchain = host_toolchain();
  EXPECT_EQ("v" + toolchain.node_version, first_line_of("node --version"));
  EXPECT_EQ(toolchain.npm_version, first_line_of("npm --version"))
    << "read from npm's package.json without starting npm";
  EXPECT_GE(toolchain.node_major, 18);
}

} // namespace
} // namespace reactor::builder
