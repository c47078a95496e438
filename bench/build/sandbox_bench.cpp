// Per-command cost of the build sandbox: runs `true` many times directly, under bwrap with
// the build phase's exact arguments (new, empty network namespace), and through
// run_sandboxed (bwrap plus a fresh cgroup with the memory and process limits, and the disk
// watch) in the build phase and in the install phase (which adds slirp4netns), taking
// turns, and prints one JSON object of milliseconds per command (median, p90, mean) for
// each.
//
//   sandbox_bench [iterations]   (default 200)

#include "reactor/builder/sandbox/cgroup.hpp"
#include "reactor/builder/sandbox/sandbox.hpp"
#include "reactor/builder/sandbox/sandbox_runner.hpp"
#include "reactor/util/process.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

namespace {

using namespace reactor;
using Clock = std::chrono::steady_clock;

struct Stats
{
  double median = 0;
  double p90 = 0;
  double mean = 0;
};

Stats
stats_of(std::vector<double> ms)
{
  std::ranges::sort(ms);
  return { ms[ms.size() / 2],
           ms[ms.size() * 9 / 10],
           std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size()) };
}

struct Variant
{
  std::string name;
  std::function<bool()> run_once;
  std::vector<double> ms;
};

// Runs the variants in turn, `iterations` rounds, so that a change of load on a shared
// machine affects them all alike.
void
measure(int iterations, std::vector<Variant>& variants)
{
  for (int i = 0; i < iterations; ++i) {
    for (auto& variant : variants) {
      const auto started = Clock::now();
      if (!variant.run_once()) {
        std::cerr << "sandbox_bench: a run of " << variant.name << " failed\n";
        std::exit(1);
      }
      variant.ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    }
  }
}

bool
run(std::vector<std::string> argv)
{
  util::ProcessOptions options;
  options.argv = std::move(argv);
  options.env = { "PATH=/usr/local/bin:/usr/bin:/bin" };
  const auto result = util::run_process(options);
  return result && result->succeeded();
}

std::string
json(const std::string& name, const Stats& stats)
{
  return "\"" + name + "\":{\"median\":" + std::to_string(stats.median) +
         ",\"p90\":" + std::to_string(stats.p90) + ",\"mean\":" + std::to_string(stats.mean) + "}";
}

} // namespace

int
main(int argc, char** argv)
{
  const int iterations = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  const auto workspace = std::filesystem::temp_directory_path() /
                         ("reactor-sandbox-bench-" + std::to_string(::getpid()));
  if (auto prepared = builder::sandbox::prepare_workspace(workspace); !prepared) {
    std::cerr << "sandbox_bench: " << prepared.error().message << "\n";
    return 1;
  }
  builder::sandbox::SandboxSpec spec;
  spec.workspace = workspace;
  spec.command = { "true" };
  spec.root_entries = builder::sandbox::host_root_entries();
  spec.tmp_bytes = builder::BuildLimits{}.memory_bytes;

  auto cgroups = builder::sandbox::open_cgroups();
  if (!cgroups) {
    std::cerr << "sandbox_bench: no cgroups (" << cgroups.error().message
              << "): measuring without them\n";
  }
  const builder::BuildLimits limits;

  spec.network = builder::sandbox::NetworkAccess::none;
  const auto build_argv = builder::sandbox::sandbox_argv(spec);
  const auto sandboxed = [&](builder::sandbox::NetworkAccess network) {
    auto phase_spec = spec;
    phase_spec.network = network;
    auto outcome = builder::sandbox::run_sandboxed(phase_spec,
                                                   limits,
                                                   cgroups ? cgroups->get() : nullptr,
                                                   Clock::now() + std::chrono::minutes(1),
                                                   nullptr,
                                                   {});
    return outcome && outcome->succeeded();
  };
  std::vector<Variant> variants;
  variants.push_back({ "direct", [] { return run({ "true" }); }, {} });
  variants.push_back({ "bwrap_build", [&] { return run(build_argv); }, {} });
  if (cgroups) {
    variants.push_back(
      { "cgroup_only",
        [&] {
          return (*cgroups)->create({ limits.memory_bytes, limits.max_processes }).has_value();
        },
        {} });
  }
  variants.push_back(
    { "sandboxed_build", [&] { return sandboxed(builder::sandbox::NetworkAccess::none); }, {} });
  variants.push_back({ "sandboxed_install",
                       [&] { return sandboxed(builder::sandbox::NetworkAccess::confined); },
                       {} });
  measure(iterations, variants);
  std::filesystem::remove_all(workspace);

  std::cout << "{\"iterations\":" << iterations << ",\"cgroups\":\""
            << (cgroups ? (*cgroups)->description() : std::string("none")) << "\"";
  for (const auto& variant : variants) {
    std::cout << "," << json(variant.name, stats_of(variant.ms));
  }
  std::cout << "}\n";
  return 0;
}
