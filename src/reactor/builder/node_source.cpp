#include "reactor/builder/node_source.hpp"

#include "reactor/builder/file_tree.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t k_max_version_file = 4096;
constexpr std::uintmax_t k_max_package_json = 1024 * 1024;

// The file's text when it is a small regular file; nullopt when there is none.
std::optional<std::string>
small_file(const fs::path& path, std::uintmax_t limit)
{
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (ec || !fs::is_regular_file(status) || fs::file_size(path, ec) > limit || ec) {
    return std::nullopt;
  }
  return read_text(path);
}

// The first line, without blanks around it: .nvmrc files may hold comments below.
std::string
first_line(std::string_view text)
{
  const auto line = text.substr(0, text.find('\n'));
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  return std::string(line.substr(first, line.find_last_not_of(" \t\r") - first + 1));
}

// A string at a path of keys, like {"engines": {"node": "…"}}; empty when missing.
std::string
nested_string(const boost::json::object& object, std::string_view section, std::string_view key)
{
  const auto* outer = object.if_contains(section);
  const auto* inner =
    outer != nullptr && outer->is_object() ? outer->get_object().if_contains(key) : nullptr;
  return inner != nullptr && inner->is_string() ? std::string(inner->get_string()) : "";
}

util::Result<std::optional<NodeSource>>
source(std::string where, std::string value)
{
  auto request = core::parse_node_version(value);
  if (!request) {
    return util::fail_user(where + " asks for Node.js '" + value +
                           "', which is not a version or range (like 20, 18.20.4, >=18 or "
                           "lts/*): " +
                           request.error().message + ". Fix it or set nodeVersion.");
  }
  return std::optional(NodeSource{ std::move(where), std::move(value), std::move(*request) });
}

// What the folder `relative` (inside `checkout`) says, if anything.
util::Result<std::optional<NodeSource>>
in_folder(const fs::path& checkout, const std::string& relative)
{
  const auto prefix = relative.empty() ? std::string() : relative + "/";
  const auto dir = relative.empty() ? checkout : checkout / relative;
  for (const auto* name : { ".nvmrc", ".node-version" }) {
    if (const auto text = small_file(dir / name, k_max_version_file); text) {
      return source(prefix + name, first_line(*text));
    }
  }
  const auto package = small_file(dir / "package.json", k_max_package_json);
  if (!package) {
    return std::optional<NodeSource>{};
  }
  boost::system::error_code ec;
  const auto json = boost::json::parse(*package, ec);
  if (ec || !json.is_object()) {
    return std::optional<NodeSource>{}; // detection says what is wrong with it
  }
  for (const auto& [section, key] : { std::pair{ "volta", "node" }, { "engines", "node" } }) {
    if (auto value = nested_string(json.get_object(), section, key); !value.empty()) {
      return source(prefix + "package.json (" + section + "." + key + ")", first_line(value));
    }
  }
  return std::optional<NodeSource>{};
}

} // namespace

util::Result<std::optional<NodeSource>>
find_node_request(const fs::path& checkout, std::string_view app_dir)
{
  if (!directory_inside(checkout, app_dir)) {
    return std::optional<NodeSource>{}; // detection says what is wrong with the folder
  }
  std::string relative(app_dir);
  for (;;) {
    auto found = in_folder(checkout, relative);
    if (!found || found->has_value() || relative.empty()) {
      return found;
    }
    const auto slash = relative.rfind('/');
    relative = slash == std::string::npos ? std::string() : relative.substr(0, slash);
  }
}

} // namespace reactor::builder
