#pragma once

#include "reactor/util/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder::sandbox {

// Where the workspace appears inside the sandbox, and its layout there.
constexpr std::string_view k_sandbox_workspace = "/workspace";
constexpr std::string_view k_sandbox_source = "/workspace/src";
constexpr std::string_view k_sandbox_home = "/workspace/home";
constexpr std::string_view k_sandbox_node = "/opt/node";
constexpr std::string_view k_sandbox_corepack = "/opt/corepack";

// confined: user-mode networking through slirp4netns, without the host's loopback (the
// install phase, and the build phase unless the operator turned it off); none: no network.
enum class NetworkAccess
{
  confined,
  none
};

// A command with a confined network starts only once this descriptor (bwrap's --block-fd)
// is readable: run_sandboxed passes it and makes it so when the network is up.
constexpr int k_network_ready_fd = 3;

// A top-level host directory such as /bin: a symlink (target set) or a real directory
// (target empty) to bind read-only.
struct RootEntry
{
  std::string path;
  std::string target;
};

// A host folder bound read-write at a folder inside the sandbox.
struct Bind
{
  std::string host;
  std::string inside;
};

struct SandboxSpec
{
  std::filesystem::path workspace; // host directory bound read-write at /workspace
  NetworkAccess network = NetworkAccess::none;
  std::vector<std::string> command;
  std::string directory = std::string(k_sandbox_source); // where the command starts
  std::vector<std::string> extra_env;  // "NAME=value", added to the allow-list (later wins)
  std::uint64_t tmp_bytes = 0;         // size of the private /tmp; 0: the tmpfs default
  std::vector<RootEntry> root_entries; // from host_root_entries()
  std::string bwrap = "bwrap";
  std::string slirp4netns = "slirp4netns"; // the confined network (run_sandboxed)
  // A Node.js from the toolchain cache, bound read-only at k_sandbox_node with its bin/ in
  // front of PATH; empty: the host's own.
  std::filesystem::path node_root;
  // A corepack home holding the package managers the command runs, bound read-only at
  // k_sandbox_corepack (COREPACK_HOME); empty: the workspace's home holds one.
  std::filesystem::path corepack_home;
  // Host folders bound read-write at folders inside the workspace (a build cache's): the
  // binds live in the sandbox's own mount namespace, so they go with it, however it ends.
  std::vector<Bind> workspace_binds;
};

// How /bin, /sbin, /lib, /lib32 and /lib64 look on this host (missing ones are left out).
std::vector<RootEntry> host_root_entries();

// The environment every sandboxed command gets, before extra_env.
std::vector<std::string> sandbox_environment();

// The full bwrap argument vector that runs spec.command in a fresh sandbox: new user
// (uid 1000), PID, IPC, UTS and cgroup namespaces, no capabilities, a cleared environment,
// a read-only root with /usr and a few /etc files, a private /tmp, the workspace as the only
// writable place. Without a network, a network namespace with nothing in it. With the
// confined network, it stays in the network namespace bwrap starts in and waits on
// k_network_ready_fd: run_sandboxed starts bwrap in a new one and gives it a network first.
// Pure: reads nothing.
std::vector<std::string> sandbox_argv(const SandboxSpec& spec);

// Creates the workspace's home directory and the passwd, group and resolv.conf files that
// the sandbox shows instead of the host's. Fails when the workspace cannot be written.
util::Result<void> prepare_workspace(const std::filesystem::path& workspace);

} // namespace reactor::builder::sandbox
