#include "reactor/builder/toolchain.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/util/process.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <filesystem>

namespace reactor::builder {

namespace {

const std::vector<std::string> k_probe_env = { "PATH=/usr/local/bin:/usr/bin:/bin",
                                               "HOME=/nonexistent",
                                               "npm_config_update_notifier=false" };

// The first line `argv` prints, without a leading "v"; empty when it fails.
std::string
version_of(std::vector<std::string> argv)
{
  std::string first;
  util::ProcessOptions options;
  options.argv = std::move(argv);
  options.env = k_probe_env;
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

// npm's version from the package.json of the npm on PATH (bin/npm-cli.js of an npm
// package), without starting it: `npm --version` costs about 0.2 s of CPU, which every
// first deployment after a start would wait for. Empty when the layout is not npm's own.
std::string
npm_package_version()
{
  const auto npm = util::find_executable("npm", k_probe_env);
  if (!npm) {
    return {};
  }
  std::error_code error;
  const auto cli = std::filesystem::canonical(*npm, error);
  if (error || cli.filename() != "npm-cli.js") {
    return {};
  }
  boost::system::error_code parse_error;
  const auto package =
    boost::json::parse(read_text(cli.parent_path().parent_path() / "package.json"), parse_error);
  const auto* object = package.if_object();
  const auto* version = object != nullptr ? object->if_contains("version") : nullptr;
  return parse_error || version == nullptr || !version->is_string()
           ? std::string()
           : std::string(version->get_string());
}

Toolchain
probe()
{
  Toolchain toolchain;
  toolchain.node_version = version_of({ "node", "--version" });
  toolchain.npm_version = npm_package_version();
  if (toolchain.npm_version.empty()) {
    toolchain.npm_version = version_of({ "npm", "--version" });
  }
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
