#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace reactor::builder {

using LogFn = std::function<void(std::string_view line)>;

struct CloneRequest
{
  std::string url;
  std::string ref;                 // branch, tag or 40-hex commit; empty: default branch
  std::filesystem::path directory; // must be missing or empty
  std::filesystem::path home;      // an empty directory used as git's HOME
  bool allow_local = false;        // also allow file:// and local paths (development, tests)
  std::chrono::milliseconds timeout{ 120'000 };
  std::uint64_t max_bytes = 0; // what `directory` may hold on disk; 0: no limit
  const std::atomic<bool>* cancel = nullptr;
};

struct CloneFailure
{
  enum class Kind
  {
    repository_not_found, // or not public
    ref_not_found,
    timed_out,
    too_large, // over max_bytes
    canceled,
    refused,        // the URL or an address its host resolves to is not allowed
    git_failed,     // git said no for another reason: the message carries its last lines
    infrastructure, // git could not be run at all
  };
  Kind kind = Kind::git_failed;
  std::string message; // for the user, says what to fix
};

// Shallow-clones `ref` of `url` into `directory` with git's command line (never a shell),
// only over https, http and git (plus file when allow_local), with a cleared environment,
// a time limit and a size limit; only to public addresses, checked and pinned
// (pin_clone_target), with no redirects. Local git output goes to `log`; the network
// steps' output does not, and every network failure gets one message. Returns the
// checked-out commit hash.
std::expected<std::string, CloneFailure> clone_repository(const CloneRequest& request,
                                                          const LogFn& log);

// The branch the remote's HEAD names (its default branch), read with `git ls-remote
// --symref` under clone_repository's restrictions on `url` (request.ref, directory and
// max_bytes are not used; an empty home is a HOME git cannot read).
std::expected<std::string, CloneFailure> remote_default_branch(const CloneRequest& request);

// True for a full 40-hex commit hash.
bool is_commit_hash(std::string_view ref);

} // namespace reactor::builder
