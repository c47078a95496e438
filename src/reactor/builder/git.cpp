#include "reactor/builder/git.hpp"

#include "reactor/builder/clone_target.hpp"
#include "reactor/builder/disk_watch.hpp"
#include "reactor/util/process.hpp"
#include "reactor/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <optional>
#include <sys/resource.h>
#include <vector>

namespace reactor::builder {

namespace {

using Clock = std::chrono::steady_clock;
using Kind = CloneFailure::Kind;

constexpr std::size_t k_kept_lines = 12;

bool
contains_any(const std::string& text, std::initializer_list<std::string_view> needles)
{
  return std::ranges::any_of(
    needles, [&](std::string_view needle) { return text.find(needle) != std::string::npos; });
}

class GitRunner
{
public:
  GitRunner(const CloneRequest& request, std::vector<std::string> config, const LogFn& log)
    : m_request(request)
    , m_config(std::move(config))
    , m_log(log)
    , m_deadline(Clock::now() + request.timeout)
    , m_disk(request.directory, request.max_bytes)
  {
    const char* path = std::getenv("PATH");
    m_env = {
      std::string("PATH=") + (path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin"),
      "HOME=" + (request.home.empty() ? std::string("/nonexistent") : request.home.string()),
      "GIT_TERMINAL_PROMPT=0",
      "GIT_CONFIG_NOSYSTEM=1",
      "GIT_CONFIG_GLOBAL=/dev/null",
      std::string("GIT_ALLOW_PROTOCOL=") +
        (request.allow_local ? "https:http:git:file" : "https:http:git"),
      "LANG=C",
      "LC_ALL=C",
    };
  }

  // Runs git with the protocol restrictions; nullopt on success, else the failure. A
  // network step's output stays out of the log, and its failures get one message.
  std::optional<CloneFailure> run(std::vector<std::string> args,
                                  const std::filesystem::path& cwd = {},
                                  bool quiet = false,
                                  bool network = false)
  {
    std::vector<std::string> argv{ "git",
                                   "-c",
                                   "protocol.allow=never",
                                   "-c",
                                   "protocol.https.allow=always",
                                   "-c",
                                   "protocol.http.allow=always",
                                   "-c",
                                   "protocol.git.allow=always" };
    if (m_request.allow_local) {
      argv.insert(argv.end(), { "-c", "protocol.file.allow=always" });
    }
    for (const auto& setting : m_config) {
      argv.insert(argv.end(), { "-c", setting });
    }
    quiet = quiet || network;
    argv.insert(argv.end(), args.begin(), args.end());

    const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(m_deadline - Clock::now());
    if (left.count() <= 0) {
      return timed_out();
    }
    m_lines.clear();
    util::ProcessOptions options;
    options.argv = std::move(argv);
    options.cwd = cwd;
    options.env = m_env;
    options.timeout = left;
    options.cancel = m_request.cancel;
    if (m_request.max_bytes != 0) {
      options.rlimits.push_back({ RLIMIT_FSIZE, m_request.max_bytes });
      options.stop_when = [this] { return m_disk.over_limit(); };
    }
    options.on_line = [this, quiet](std::string_view line) {
      if (m_log && !quiet) {
        m_log(line);
      }
      m_lines.emplace_back(line);
      if (m_lines.size() > k_kept_lines) {
        m_lines.pop_front();
      }
    };
    auto result = util::run_process(options);
    if (!result) {
      return CloneFailure{ Kind::infrastructure, "cannot run git: " + result.error().message };
    }
    if (result->canceled) {
      return CloneFailure{ Kind::canceled, "The clone was canceled" };
    }
    if (result->timed_out) {
      return timed_out();
    }
    if (result->stopped || (result->exit_code != 0 && m_disk.over_limit(true))) {
      return CloneFailure{ Kind::too_large, "The repository is too large to clone" };
    }
    if (result->exit_code != 0) {
      return classify(network);
    }
    return std::nullopt;
  }

  const std::deque<std::string>& lines() const { return m_lines; }

private:
  CloneFailure timed_out() const
  {
    const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(m_request.timeout).count();
    return { Kind::timed_out,
             "Cloning the repository took longer than " + std::to_string(seconds) +
               " s: check that the host is reachable and the repository is "
               "not too large" };
  }

  CloneFailure classify(bool network) const
  {
    std::string all;
    for (const auto& line : m_lines) {
      all += util::ascii_lowercase(line);
      all += '\n';
    }
    if (contains_any(all,
                     { "remote branch",
                       "couldn't find remote ref",
                       "not our ref",
                       "unadvertised object",
                       "no such remote ref" })) {
      const bool commit = is_commit_hash(m_request.ref);
      return { Kind::ref_not_found,
               std::string(commit ? "Commit '" : "Branch or tag '") + m_request.ref +
                 "' not found in the repository" };
    }
    if (contains_any(all, { "transport '", "unsupported protocol", "not allowed" })) {
      return { Kind::git_failed,
               "Unsupported repository URL: use an https:// (or http://, "
               "git://) URL of a public Git repository" };
    }
    if (network) {
      return { Kind::repository_not_found, std::string(k_unreachable_repository) };
    }
    if (contains_any(all,
                     { "repository not found",
                       "not found",
                       "does not appear to be a git",
                       "could not read username",
                       "could not read password",
                       "authentication failed",
                       "terminal prompts disabled",
                       "does not exist",
                       "returned error: 40" })) {
      return { Kind::repository_not_found,
               "Repository not found: check the URL and that the repository is public" };
    }
    std::string message = "git failed";
    if (!m_lines.empty()) {
      message += ":";
      const auto first = m_lines.size() > 5 ? m_lines.size() - 5 : 0;
      for (std::size_t i = first; i < m_lines.size(); ++i) {
        message += "\n" + m_lines[i];
      }
    }
    return { Kind::git_failed, std::move(message) };
  }

  const CloneRequest& m_request;
  std::vector<std::string> m_config;
  const LogFn& m_log;
  Clock::time_point m_deadline;
  DiskWatch m_disk;
  std::vector<std::string> m_env;
  std::deque<std::string> m_lines;
};

// A URL git would read as an option, or none.
std::optional<CloneFailure>
refuse_url(std::string_view url)
{
  if (url.empty() || url.front() == '-') {
    return CloneFailure{ Kind::repository_not_found,
                         "Repository not found: check the URL and that the repository is public" };
  }
  return std::nullopt;
}

} // namespace

bool
is_commit_hash(std::string_view ref)
{
  return ref.size() == 40 && std::ranges::all_of(ref, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::expected<std::string, CloneFailure>
clone_repository(const CloneRequest& request, const LogFn& log)
{
  if (auto refused = refuse_url(request.url)) {
    return std::unexpected(std::move(*refused));
  }
  if (!request.ref.empty() && (request.ref.front() == '-' ||
                               request.ref.find_first_of(" \t\n\\~^:?*[") != std::string::npos ||
                               request.ref.find("..") != std::string::npos)) {
    return std::unexpected(CloneFailure{
      Kind::ref_not_found, "Branch or tag '" + request.ref + "' is not a valid Git ref name" });
  }

  auto target = pin_clone_target(request.url, request.allow_local);
  if (!target) {
    return std::unexpected(std::move(target.error()));
  }
  GitRunner git(request, std::move(target->git_config), log);
  const auto directory = request.directory.string();
  if (is_commit_hash(request.ref)) {
    const auto hash = util::ascii_lowercase(request.ref);
    if (auto failed = git.run({ "init", "--quiet", "--", directory })) {
      return std::unexpected(std::move(*failed));
    }
    if (auto failed = git.run({ "remote", "add", "origin", "--", target->url }, directory)) {
      return std::unexpected(std::move(*failed));
    }
    if (auto failed = git.run(
          { "fetch", "--depth", "1", "--no-tags", "origin", hash }, directory, true, true)) {
      return std::unexpected(std::move(*failed));
    }
    if (auto failed = git.run({ "checkout", "--quiet", "--detach", "FETCH_HEAD" }, directory)) {
      return std::unexpected(std::move(*failed));
    }
  } else {
    std::vector<std::string> args{ "clone", "--depth", "1", "--single-branch", "--no-tags" };
    if (!request.ref.empty()) {
      args.push_back("--branch=" + request.ref);
    }
    // Relative to its parent, so that git's "Cloning into" line shows no host path.
    const auto checkout = request.directory.lexically_normal();
    args.insert(args.end(), { "--", target->url, checkout.filename().string() });
    if (auto failed = git.run(std::move(args), checkout.parent_path(), true, true)) {
      return std::unexpected(std::move(*failed));
    }
  }

  if (auto failed = git.run({ "rev-parse", "HEAD" }, directory, true)) {
    return std::unexpected(std::move(*failed));
  }
  if (git.lines().empty() || !is_commit_hash(git.lines().back())) {
    return std::unexpected(
      CloneFailure{ Kind::git_failed, "git rev-parse HEAD printed no commit" });
  }
  return git.lines().back();
}

std::expected<std::string, CloneFailure>
remote_default_branch(const CloneRequest& request)
{
  if (auto refused = refuse_url(request.url)) {
    return std::unexpected(std::move(*refused));
  }
  auto target = pin_clone_target(request.url, request.allow_local);
  if (!target) {
    return std::unexpected(std::move(target.error()));
  }
  const LogFn no_log;
  GitRunner git(request, std::move(target->git_config), no_log);
  if (auto failed =
        git.run({ "ls-remote", "--symref", "--", target->url, "HEAD" }, {}, true, true)) {
    return std::unexpected(std::move(*failed));
  }
  // "ref: refs/heads/<branch>\tHEAD" comes first; an empty repository has none.
  constexpr std::string_view k_prefix = "ref: refs/heads/";
  for (const auto& line : git.lines()) {
    const auto tab = line.find('\t');
    if (line.starts_with(k_prefix) && tab != std::string::npos) {
      return line.substr(k_prefix.size(), tab - k_prefix.size());
    }
  }
  return std::unexpected(CloneFailure{ Kind::ref_not_found,
                                       "The repository has no default branch (is it empty?): push "
                                       "a branch, or set productionBranch" });
}

} // namespace reactor::builder
