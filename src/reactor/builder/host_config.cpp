#include "reactor/builder/host_config.hpp"

#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/core/build_settings.hpp"
#include "reactor/rules/netlify_config.hpp"
#include "reactor/rules/vercel_config.hpp"

#include <boost/json/object.hpp>

#include <array>

namespace reactor::builder {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t k_max_config_bytes = 1 << 20;

using Parse = util::Result<rules::HostConfig> (*)(std::string_view);

struct HostFile
{
  std::string_view name;
  Parse parse;
};

constexpr std::array<HostFile, 2> k_host_files = { {
  { "vercel.json", &rules::parse_vercel_config },
  { "netlify.toml", &rules::parse_netlify_config },
} };

std::string
count(std::size_t n, std::string_view one, std::string_view many)
{
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// What the file sets, for the log: "build command, 2 redirects, 1 header rule".
std::string
summary(const rules::HostConfig& config)
{
  std::string text;
  const auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  const auto& settings = config.settings;
  for (const auto& [value, name] : { std::pair{ &settings.root_dir, "root folder" },
                                     std::pair{ &settings.install_command, "install command" },
                                     std::pair{ &settings.build_command, "build command" },
                                     std::pair{ &settings.output_dir, "output folder" },
                                     std::pair{ &settings.node_version, "Node.js version" } }) {
    if (!value->empty()) {
      add(name);
    }
  }
  if (!settings.env.empty()) {
    add(count(settings.env.size(), "build variable", "build variables"));
  }
  add(count(config.redirects.size(), "redirect or rewrite", "redirects and rewrites"));
  add(count(config.headers.size(), "header rule", "header rules"));
  if (config.trailing_slash != rules::TrailingSlash::keep) {
    add(config.trailing_slash == rules::TrailingSlash::add ? "trailing slashes added"
                                                           : "trailing slashes removed");
  }
  return text;
}

} // namespace

util::Result<AppHostConfig>
read_host_config(const fs::path& app_dir, const LogFn& log)
{
  const auto say = [&](const std::string& line) { log("[reactor] " + line); };
  AppHostConfig found;
  for (const auto& host_file : k_host_files) {
    const fs::path path = app_dir / host_file.name;
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (!fs::exists(status)) {
      continue;
    }
    const std::string name(host_file.name);
    if (!fs::is_regular_file(status)) {
      say(name + " is not a regular file (a symbolic link?); ignored");
      continue;
    }
    if (!found.file.empty()) {
      say(name + " ignored: " + found.file + " applies");
      continue;
    }
    if (fs::file_size(path, ec) > k_max_config_bytes || ec) {
      return util::fail_user(name + " is larger than 1 MiB (or unreadable): shorten it");
    }
    auto parsed = host_file.parse(read_text(path));
    if (!parsed) {
      return util::fail_user(name + ", " + sanitize_line(parsed.error().message) +
                             ": fix it or remove the file");
    }
    say("Read " + name + ": " + summary(*parsed));
    for (const auto& problem : parsed->problems) {
      say(name + ": " + sanitize_line(problem));
    }
    found = { name, std::move(*parsed) };
  }
  return found;
}

util::Result<core::BuildSettings>
with_host_settings(core::BuildSettings request, const AppHostConfig& host)
{
  // The file's settings are checked as a request's, with the same messages.
  auto checked = core::parse_build_settings(core::build_settings_json(host.config.settings));
  if (!checked) {
    return util::fail_user(host.file + ": " + checked.error().message);
  }
  for (const auto& [from, to] : { std::pair{ &checked->root_dir, &request.root_dir },
                                  std::pair{ &checked->install_command, &request.install_command },
                                  std::pair{ &checked->build_command, &request.build_command },
                                  std::pair{ &checked->output_dir, &request.output_dir },
                                  std::pair{ &checked->node_version, &request.node_version } }) {
    if (to->empty()) {
      *to = std::move(*from);
    }
  }
  // A variable of the request (or project) wins over the file's of the same name.
  for (auto& [name, value] : checked->env) {
    request.env.try_emplace(name, std::move(value));
  }
  return request;
}

} // namespace reactor::builder
