#pragma once

#include "reactor/util/error.hpp"
#include "reactor/util/file_descriptor.hpp"
#include "reactor/util/process.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder::sandbox {

// The install phase's network: slirp4netns gives the sandbox's network namespace a tap0
// interface (10.0.2.100, gateway 10.0.2.2) and relays its connections through sockets the
// host opens, so the sandbox reaches the internet but not the host's loopback.

// slirp4netns's DNS server inside the namespace.
constexpr std::string_view k_sandbox_dns = "10.0.2.3";

// slirp4netns's arguments for the network namespace of process `pid`: host loopback
// refused, slirp4netns itself sandboxed, "1" written to descriptor 3 once tap0 is up,
// and an exit when descriptor 4 closes. Pure.
std::vector<std::string> slirp4netns_argv(const std::string& slirp4netns, int pid);

// slirp4netns serving one sandbox, ended (by its PID) when this is destroyed, without
// waiting for its exit (a reaper thread does).
class SandboxNetwork
{
public:
  SandboxNetwork(util::BackgroundProcess process, util::FileDescriptor exit)
    : m_process(std::move(process))
    , m_exit(std::move(exit))
  {
  }
  SandboxNetwork(SandboxNetwork&&) noexcept = default;
  SandboxNetwork& operator=(SandboxNetwork&&) = delete;
  SandboxNetwork(const SandboxNetwork&) = delete;
  SandboxNetwork& operator=(const SandboxNetwork&) = delete;
  ~SandboxNetwork()
  {
    m_exit.reset();
    m_process.stop_in_background();
  }

private:
  util::BackgroundProcess m_process;
  // slirp4netns exits when this closes, also if Reactor dies.
  util::FileDescriptor m_exit;
};

// The path of `slirp4netns` as PATH finds it. Fails, saying what to install, when it is
// not there.
util::Result<std::string> find_slirp4netns(const std::string& slirp4netns);

// Starts slirp4netns for the network namespace of process `pid` and returns once the
// network is up. Refuses a process in Reactor's own network namespace. Fails with
// slirp4netns's own words when it stops or is not ready within `timeout`.
util::Result<SandboxNetwork> start_sandbox_network(const std::string& slirp4netns,
                                                   int pid,
                                                   std::chrono::milliseconds timeout);

} // namespace reactor::builder::sandbox
