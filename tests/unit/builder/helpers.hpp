#pragma once

#include "reactor/util/process.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <linux/capability.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace reactor::builder::testing {

// Runs a command with the host PATH; throws when it fails. Returns its output lines.
inline std::vector<std::string>
run(std::vector<std::string> argv, const std::filesystem::path& cwd = {})
{
  std::vector<std::string> lines;
  util::ProcessOptions options;
  options.argv = std::move(argv);
  options.cwd = cwd;
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin",
                  "HOME=/nonexistent",
                  "LANG=C",
                  "GIT_CONFIG_NOSYSTEM=1",
                  "GIT_CONFIG_GLOBAL=/dev/null" };
  options.on_line = [&](std::string_view line) { lines.emplace_back(line); };
  const auto result = util::run_process(options);
  if (!result || !result->succeeded()) {
    std::string message = "command failed: " + options.argv.front();
    for (const auto& line : lines) {
      message += "\n" + line;
    }
    throw std::runtime_error(message);
  }
  return lines;
}

inline void
write_file(const std::filesystem::path& path, std::string_view content)
{
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Commits everything in `dir` (creating the repository on the first call); returns the
// commit hash.
inline std::string
commit_all(const std::filesystem::path& dir, const std::string& message = "commit")
{
  if (!std::filesystem::exists(dir / ".git")) {
    run({ "git", "init", "--quiet", "--initial-branch=main", dir.string() });
  }
  run({ "git", "-C", dir.string(), "add", "-A" });
  run({ "git",
        "-C",
        dir.string(),
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.com",
        "commit",
        "--quiet",
        "-m",
        message });
  return run({ "git", "-C", dir.string(), "rev-parse", "HEAD" }).at(0);
}

// True when bwrap can create the sandbox on this machine.
inline bool
sandbox_available()
{
  static const bool available = [] {
    try {
      run({ "bwrap",         "--unshare-user", "--uid",     "1000",    "--unshare-pid",
            "--unshare-net", "--ro-bind",      "/usr",      "/usr",    "--symlink",
            "usr/bin",       "/bin",           "--symlink", "usr/lib", "/lib",
            "--symlink",     "usr/lib64",      "/lib64",    "--",      "/usr/bin/true" });
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }();
  return available;
}

// Calls `run` on a thread without the capabilities that let root read any file: a folder
// without permissions is unreadable to it, as to anyone else. The commands it starts have
// them again (an exec as root restores them).
template<typename Run>
auto
without_read_override(Run run)
{
  std::optional<decltype(run())> result;
  std::thread([&] {
    __user_cap_header_struct header{ _LINUX_CAPABILITY_VERSION_3, 0 };
    std::array<__user_cap_data_struct, 2> data{};
    if (syscall(SYS_capget, &header, data.data()) == 0) {
      data[0].effective &= ~((1U << CAP_DAC_OVERRIDE) | (1U << CAP_DAC_READ_SEARCH));
      static_cast<void>(syscall(SYS_capset, &header, data.data()));
    }
    result.emplace(run());
  }).join();
  return std::move(*result);
}

} // namespace reactor::builder::testing
