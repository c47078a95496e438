#pragma once

#include "reactor/util/process.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
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

} // namespace reactor::builder::testing
