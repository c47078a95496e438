#include "reactor/builder/sandbox/cgroup_files.hpp"

#include <algorithm>
#include <charconv>

namespace reactor::builder::sandbox {

namespace {

std::vector<std::string_view>
split(std::string_view text, char separator)
{
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(at + 1);
  }
}

std::vector<std::string_view>
lines(std::string_view text)
{
  auto all = split(text, '\n');
  std::erase_if(all, [](std::string_view line) { return line.empty(); });
  return all;
}

// Mount points in mountinfo escape space, tab, newline and backslash as \ooo.
std::string
unescape(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() &&
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    text.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out +=
        static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool
contains(const std::vector<std::string>& words, std::string_view word)
{
  return std::ranges::find(words, word) != words.end();
}

} // namespace

std::vector<ProcCgroup>
parse_proc_cgroup(std::string_view text)
{
  std::vector<ProcCgroup> groups;
  for (const auto line : lines(text)) {
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      continue;
    }
    ProcCgroup group;
    group.hierarchy_id = std::string(line.substr(0, first));
    const auto controllers = line.substr(first + 1, second - first - 1);
    if (!controllers.empty()) {
      for (const auto controller : split(controllers, ',')) {
        group.controllers.emplace_back(controller);
      }
    }
    group.path = std::string(line.substr(second + 1));
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<CgroupMount>
parse_cgroup_mounts(std::string_view mountinfo)
{
  std::vector<CgroupMount> mounts;
  for (const auto line : lines(mountinfo)) {
    auto fields = split(line, ' ');
    const auto dash = std::ranges::find(fields, std::string_view("-"));
    if (dash == fields.end() || dash - fields.begin() < 5 || fields.end() - dash < 4) {
      continue;
    }
    const auto type = *(dash + 1);
    if (type != "cgroup" && type != "cgroup2") {
      continue;
    }
    CgroupMount mount;
    mount.root = unescape(fields[3]);
    mount.mount_point = unescape(fields[4]);
    mount.unified = type == "cgroup2";
    if (!mount.unified) {
      for (const auto option : split(*(dash + 3), ',')) {
        mount.controllers.emplace_back(option);
      }
    }
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::optional<std::filesystem::path>
group_directory(const std::vector<CgroupMount>& mounts,
                const std::vector<ProcCgroup>& groups,
                std::string_view controller)
{
  const bool unified = controller.empty();
  const auto group = std::ranges::find_if(groups, [&](const ProcCgroup& entry) {
    return unified ? entry.hierarchy_id == "0" && entry.controllers.empty()
                   : contains(entry.controllers, controller);
  });
  if (group == groups.end()) {
    return std::nullopt;
  }
  for (const auto& mount : mounts) {
    if (mount.unified != unified || (!unified && !contains(mount.controllers, controller))) {
      continue;
    }
    std::string_view path = group->path;
    const std::string_view root = mount.root;
    if (root != "/") {
      if (!path.starts_with(root) || (path.size() > root.size() && path[root.size()] != '/')) {
        continue;
      }
      path.remove_prefix(root.size());
    }
    while (path.starts_with('/')) {
      path.remove_prefix(1);
    }
    return path.empty() ? mount.mount_point : mount.mount_point / path;
  }
  return std::nullopt;
}

std::uint64_t
read_key(std::string_view text, std::string_view key)
{
  for (const auto line : lines(text)) {
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ' ') {
      const auto value = line.substr(key.size() + 1);
      std::uint64_t number = 0;
      std::from_chars(value.data(), value.data() + value.size(), number);
      return number;
    }
  }
  return 0;
}

bool
has_words(std::string_view list, std::initializer_list<std::string_view> names)
{
  std::vector<std::string> words;
  for (auto word : split(list, ' ')) {
    while (!word.empty() && (word.back() == '\n' || word.back() == '\r')) {
      word.remove_suffix(1);
    }
    words.emplace_back(word);
  }
  return std::ranges::all_of(names, [&](std::string_view name) { return contains(words, name); });
}

std::vector<int>
parse_pids(std::string_view text)
{
  std::vector<int> pids;
  for (const auto line : lines(text)) {
    int pid = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec == std::errc{} && pid > 0) {
      pids.push_back(pid);
    }
  }
  return pids;
}

} // namespace reactor::builder::sandbox
