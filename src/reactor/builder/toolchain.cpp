#include "reactor/builder/toolchain.hpp"

#include "reactor/util/process.hpp"

#include <charconv>

namespace reactor::builder {

namespace {

// The first line `argv` prints, without a leading "v"; empty when it fails.
std::string
version_of(std::vector<std::string> argv)
{
  std::string first;
  util::ProcessOptions options;
  options.argv = std::move(argv);
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin",
                  "HOME=/nonexistent",
                  "npm_config_update_notifier=false" };
  options.timeout = std::chrono::seconds(20);
  options.on_line = [&](std::string_view line) {
    if (first.empty()) {
      first = line;
    }
  };
  const auto result = util::run_process(options);
  if (!result || !result->succeeded()) {
    return {};
  }
  return first.starts_with('v') ? first.substr(1) : first;
}

Toolchain
probe()
{
  Toolchain toolchain;
  toolchain.node_version = version_of({ "node", "--version" });
  toolchain.npm_version = version_of({ "npm", "--version" });
  const auto& text = toolchain.node_version;
  std::from_chars(text.data(), text.data() + text.size(), toolchain.node_major);
  return toolchain;
}

} // namespace

const Toolchain&
host_toolchain()
{
  static const Toolchain toolchain = probe();
  return toolchain;
}

} // namespace reactor::builder
