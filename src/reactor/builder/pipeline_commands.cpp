#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/pipeline_steps.hpp"
#include "reactor/builder/plan_settings.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/util/sha256.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <deque>

namespace reactor::builder::pipeline_steps {

namespace {

constexpr std::size_t k_error_tail_lines = 20;
constexpr std::string_view k_legacy_openssl = "--openssl-legacy-provider";

// The folder inside the sandbox for a folder of the checkout.
std::string
sandbox_dir(const std::string& relative)
{
  return relative.empty() ? std::string(sandbox::k_sandbox_source)
                          : std::string(sandbox::k_sandbox_source) + "/" + relative;
}

} // namespace

Pipeline::Outcome
Pipeline::install()
{
  if (!m_plan.setup_command.empty()) {
    if (auto step = run_step({ NetworkAccess::confined,
                               m_plan.setup_command,
                               m_plan.install_dir,
                               m_plan.env,
                               "Setting up " + std::string(to_string(m_plan.package_manager)) });
        !step || step->has_value()) {
      return step;
    }
    if (m_plan.package_manager != PackageManager::bun && is_version(m_last_line)) {
      m_info.package_manager_version = m_last_line;
    }
  }
  if (m_plan.install_command.empty()) {
    say("No package.json: skipping the install");
    return std::nullopt;
  }
  const Step step{ NetworkAccess::confined,
                   m_plan.install_command,
                   m_plan.install_dir,
                   m_plan.env,
                   "Installing dependencies" };
  auto* cache = m_job.dependency_cache;
  const auto key = cache != nullptr ? cache_key() : std::optional<std::string>{};
  if (!key) {
    m_info.dependency_cache = "off";
    return run_step(step);
  }
  const auto install_dir = source() / m_plan.install_dir;
  const auto started = Clock::now();
  auto restored = cache->restore(*key, install_dir, overlay_scratch());
  std::optional<DependencyCache::Restored> hit;
  if (restored) {
    hit = std::move(*restored);
  }
  if (hit) {
    const auto copied_because = hit->copied_because();
    m_restored = std::move(hit);
    m_info.dependency_cache = "hit";
    say("Dependency cache hit: restored the installed dependencies in " +
        seconds_text(Clock::now() - started) +
        (copied_because.empty() ? " (an overlay of the cache)"
                                : " (a copy: " + copied_because + ")") +
        ", skipping the install");
    return run_install_scripts();
  }
  m_info.dependency_cache = "miss";
  say("Dependency cache miss" +
      (restored ? std::string()
                : " (the entry could not be restored: " + restored.error().message + ")") +
      ": installing");
  if (auto outcome = run_step(step); !outcome || outcome->has_value()) {
    return outcome;
  }
  if (is_commit_hash(m_deployment.ref)) {
    say("Not saving the dependencies to the cache: deployments of a commit hash only read "
        "from it");
    return std::nullopt;
  }
  const auto saving = Clock::now();
  auto stored = cache->store(*key, install_dir, overlay_scratch());
  if (!stored) {
    say("Could not save the dependencies to the cache: " + stored.error().message);
  } else if (stored->bytes > 0) {
    m_restored = std::move(stored->shown);
    say("Saved the installed dependencies to the cache (" + util::format_size(stored->bytes) +
        ") in " + seconds_text(Clock::now() - saving));
  }
  return std::nullopt;
}

std::optional<std::string>
Pipeline::cache_key()
{
  const auto not_used = [this](const std::string& why) {
    say("Dependency cache not used: " + why);
    return std::optional<std::string>{};
  };
  if (m_plan.lockfile.empty()) {
    return not_used("the project has no lockfile");
  }
  const auto workspace_script = workspace_install_script(source() / m_plan.install_dir);
  if (!workspace_script.empty()) {
    return not_used(workspace_script + " has an install script, which only an install runs");
  }
  auto lockfile = util::sha256_file_hex(source() / m_plan.lockfile);
  if (!lockfile) {
    return not_used("cannot read " + m_plan.lockfile);
  }
  std::string manager(to_string(m_plan.package_manager));
  const auto& version = m_plan.package_manager == PackageManager::npm
                          ? host_toolchain().npm_version
                          : m_info.package_manager_version;
  return dependency_cache_key({ m_deployment.repo_url,
                                *lockfile,
                                manager + "@" + version,
                                m_node.version,
                                m_plan.install_dir,
                                display_command(m_plan.install_command),
                                m_plan.env });
}

Pipeline::Outcome
Pipeline::run_install_scripts()
{
  for (const auto& name : m_plan.lifecycle_scripts) {
    std::vector<std::string> command{ "npm", "run", "--ignore-scripts", name };
    if (m_plan.yarn_berry) {
      const auto& version = m_plan.package_manager_version;
      command = { "corepack", version.empty() ? "yarn" : "yarn@" + version, "run", name };
    }
    if (auto outcome = run_step({ NetworkAccess::confined,
                                  command,
                                  m_plan.install_dir,
                                  m_plan.env,
                                  "The " + name + " script" });
        !outcome || outcome->has_value()) {
      return outcome;
    }
  }
  return std::nullopt;
}

bool
Pipeline::is_version(std::string_view text)
{
  return !text.empty() && text.size() < 40 && text.front() >= '0' && text.front() <= '9' &&
         std::ranges::all_of(
           text,
           [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '-';
           });
}

void
Pipeline::take_build_cache()
{
  m_info.build_cache = "off";
  auto* cache = m_job.build_cache;
  if (cache == nullptr) {
    return;
  }
  if (is_commit_hash(m_deployment.ref)) {
    // A commit hash can name a fork's commit, which must not leave anything for the
    // repository's own builds (as with the dependency cache, which such builds only read).
    say("Build cache not used: deployments of a commit hash do not share one");
    return;
  }
  const auto folders = build_cache_folders(m_plan.framework);
  std::string names;
  for (const auto& folder : folders) {
    names += (names.empty() ? "" : ", ") + folder;
  }
  auto held = cache->take(
    build_cache_key(m_deployment.repo_url, m_plan.app_dir), source() / m_plan.app_dir, folders);
  if (!held) {
    say("Build cache not used: " + held.error().message);
    return;
  }
  const auto restored = held->restored_bytes();
  m_info.build_cache = restored > 0 ? "hit" : "miss";
  say(restored > 0 ? "Build cache: " + names + " as the last build left them (" +
                       util::format_size(restored) + ")"
                   : "Build cache: empty; " + names + " will be kept for the next build");
  m_build_cache.emplace(std::move(*held));
}

Pipeline::Outcome
Pipeline::build()
{
  take_build_cache();
  m_build_started = fs::file_time_type::clock::now();
  auto env = m_plan.env;
  env.insert(env.end(), m_plan.build_env.begin(), m_plan.build_env.end());
  Step step{ m_config.build_network ? NetworkAccess::confined : NetworkAccess::none,
             m_plan.build_command,
             m_plan.app_dir,
             env,
             "The build" };
  if (m_build_cache) {
    for (const auto& [stored, relative] : m_build_cache->folders()) {
      step.binds.push_back({ stored.string(), sandbox_dir(m_plan.app_dir) + "/" + relative });
    }
  }
  m_openssl_error = false;
  auto outcome = run_step(step);
  if (!outcome || !outcome->has_value() || !m_exited_with_error || !m_openssl_error ||
      m_node.major < 17 || has_legacy_openssl(env)) {
    return outcome;
  }
  say("The build needs OpenSSL's legacy provider (webpack 4 on Node.js 17 or later): "
      "building again with NODE_OPTIONS=" +
      std::string(k_legacy_openssl));
  step.env.push_back("NODE_OPTIONS=" + std::string(k_legacy_openssl) + " " + node_options(env));
  return run_step(step);
}

std::string
Pipeline::node_options(const std::vector<std::string>& env)
{
  std::string value;
  for (const auto& entry : env) {
    if (entry.starts_with("NODE_OPTIONS=")) {
      value = entry.substr(entry.find('=') + 1);
    }
  }
  return value;
}

bool
Pipeline::has_legacy_openssl(const std::vector<std::string>& env)
{
  return node_options(env).find(k_legacy_openssl) != std::string::npos;
}

Pipeline::Outcome
Pipeline::run_step(const Step& step)
{
  m_exited_with_error = false;
  const auto started = Clock::now();
  if (auto inside = directory_inside(source(), step.directory); !inside) {
    return final_error(step.stage + " cannot start: the folder " + inside.error().message);
  }
  const auto shown = display_command(step.command);
  say("Running " + shown +
      (step.network == NetworkAccess::confined ? " (network on)" : " (network off)"));

  sandbox::SandboxSpec spec;
  spec.workspace = m_job.workspace.path();
  spec.network = step.network;
  spec.node_root = m_node.root;
  spec.corepack_home = m_corepack_home;
  spec.command = step.command;
  spec.directory = sandbox_dir(step.directory);
  spec.extra_env = step.env;
  spec.root_entries = sandbox::host_root_entries();
  spec.bwrap = m_config.bwrap;
  spec.slirp4netns = m_config.slirp4netns;
  spec.tmp_bytes = m_config.limits.memory_bytes;
  spec.workspace_binds = step.binds;

  std::deque<std::string> tail;
  const auto on_line = [&](std::string_view line) {
    output(line);
    m_last_line = sanitize_line(line);
    if (line.find("ERR_OSSL_EVP_UNSUPPORTED") != std::string_view::npos ||
        line.find("error:0308010C") != std::string_view::npos) {
      m_openssl_error = true;
    }
    tail.push_back(sanitize_line(line));
    if (tail.size() > k_error_tail_lines) {
      tail.pop_front();
    }
  };
  auto result = sandbox::run_sandboxed(
    spec, m_config.limits, m_job.cgroups, m_deadline, &m_job.cancel, on_line);
  // The repository's own time, sandbox start-up included: what the rest of a deployment's
  // time is Reactor's.
  m_info.add_duration("commands", milliseconds(Clock::now() - started));
  if (!result) {
    return std::unexpected(std::move(result.error()));
  }
  if (result->canceled) {
    return canceled();
  }
  if (result->limit != Limit::none) {
    return over_limit(step.stage, result->limit);
  }
  say(shown + " finished in " + seconds_text(Clock::now() - started));
  if (result->exit_code == 0) {
    return std::nullopt;
  }
  // A command that failed on a full disk is not the app's fault, and a retry would fail
  // the same way: the operator's to fix, said as such.
  if (auto full = full_disk(m_job.workspace.path(), ""); full) {
    return util::fail_for_good(std::move(*full));
  }
  std::string message = step.stage + " failed: `" + shown + "` ";
  message += result->signal != 0 ? "was killed by signal " + std::to_string(result->signal)
                                 : "exited with code " + std::to_string(result->exit_code);
  message += ". Fix the error shown in the log; its last lines were:";
  for (const auto& line : tail) {
    message += "\n" + line;
  }
  say(step.stage + " failed");
  m_exited_with_error = true;
  return BuildResult{ .status = Status::error, .error = std::move(message) };
}

} // namespace reactor::builder::pipeline_steps
