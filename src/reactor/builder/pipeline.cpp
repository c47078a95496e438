#include "reactor/builder/pipeline.hpp"

#include "reactor/builder/build_info.hpp"
#include "reactor/builder/dependency_cache.hpp"
#include "reactor/builder/detect.hpp"
#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/git.hpp"
#include "reactor/builder/host_config.hpp"
#include "reactor/builder/node_source.hpp"
#include "reactor/builder/plan_settings.hpp"
#include "reactor/builder/publish.hpp"
#include "reactor/builder/sandbox/sandbox_runner.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/builder/toolchain.hpp"
#include "reactor/builder/toolchain_cache.hpp"
#include "reactor/util/sha256.hpp"
#include "reactor/util/units.hpp"

#include <algorithm>
#include <deque>
#include <optional>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using core::Phase;
using core::Status;
using sandbox::NetworkAccess;

constexpr std::size_t k_error_tail_lines = 20;
constexpr std::string_view k_legacy_openssl = "--openssl-legacy-provider";

std::string
seconds_text(Clock::duration elapsed)
{
  return util::format_seconds(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed));
}

std::int64_t
milliseconds(Clock::duration elapsed)
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

// The folder inside the sandbox for a folder of the checkout.
std::string
sandbox_dir(const std::string& relative)
{
  return relative.empty() ? std::string(sandbox::k_sandbox_source)
                          : std::string(sandbox::k_sandbox_source) + "/" + relative;
}

std::string
join_path(const std::string& dir, const std::string& name)
{
  return dir.empty() ? name : dir + "/" + name;
}

// What the user should do about a limit a stage went over.
std::string
limit_advice(Limit limit)
{
  switch (limit) {
    case Limit::time:
      return "make the install and build faster";
    case Limit::memory:
      return "make it use less memory";
    case Limit::processes:
      return "it started too many processes at once";
    case Limit::disk:
      return "it wrote too much to its workspace";
    case Limit::none:
      break;
  }
  return "";
}

// One sandboxed step of the install or build.
struct Step
{
  NetworkAccess network = NetworkAccess::confined;
  std::vector<std::string> command;
  std::string directory; // relative to the checkout
  std::vector<std::string> env;
  std::string stage; // "Installing dependencies", "The build"
};

class Pipeline
{
public:
  Pipeline(store::MetadataStore& store,
           objects::ObjectStore& objects,
           const PipelineConfig& config,
           const BuildJob& job,
           core::Deployment deployment)
    : m_store(store)
    , m_objects(objects)
    , m_config(config)
    , m_job(job)
    , m_deployment(std::move(deployment))
    , m_log(store,
            m_deployment.id,
            { .max_lines = config.max_log_lines, .max_bytes = config.limits.log_bytes })
  {
  }

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  util::Result<BuildResult> run()
  {
    auto ended = steps();
    if (!ended) {
      return std::unexpected(std::move(ended.error()));
    }
    auto& outcome = *ended;
    if (!outcome) {
      return util::fail("the pipeline ended without an outcome");
    }
    outcome->commit = m_commit;
    outcome->info = std::move(m_info);
    return std::move(*outcome);
  }

private:
  // The result is always set on success: every step but the last returns nullopt to go on.
  using Outcome = util::Result<std::optional<BuildResult>>;

  Outcome steps()
  {
    if (auto prepared = sandbox::prepare_workspace(m_job.workspace.path()); !prepared) {
      return std::unexpected(std::move(prepared.error()));
    }
    if (auto step = enter(Phase::cloning); !step || step->has_value()) {
      return step;
    }
    if (auto step = timed("clone", [this] { return clone(); }); !step || step->has_value()) {
      return step;
    }
    if (auto step = plan(); !step || step->has_value()) {
      return step;
    }

    m_deadline = Clock::now() + m_config.limits.timeout;
    if (auto step = enter(Phase::installing); !step || step->has_value()) {
      return step;
    }
    if (auto step = timed("install", [this] { return install(); }); !step || step->has_value()) {
      return step;
    }
    if (auto step = enter(Phase::building); !step || step->has_value()) {
      return step;
    }
    if (auto step = timed("build", [this] { return build(); }); !step || step->has_value()) {
      return step;
    }
    if (auto step = enter(Phase::uploading); !step || step->has_value()) {
      return step;
    }
    return timed("upload", [this] { return upload(); });
  }

  // Runs one phase and records how long it took, whatever its outcome.
  template<typename Run>
  Outcome timed(const std::string& phase, Run run)
  {
    const auto started = Clock::now();
    auto outcome = run();
    m_info.set_duration(phase, milliseconds(Clock::now() - started));
    return outcome;
  }

  fs::path source() const { return m_job.workspace.path() / "src"; }

  // Reactor's own lines: kept even when the output went over the log limit.
  void say(std::string_view line) { m_log.note("[reactor] " + std::string(line)); }

  void output(std::string_view line) { m_log.add(line); }

  BuildResult canceled()
  {
    say("Canceled");
    return { .status = Status::canceled, .error = "Canceled" };
  }

  BuildResult final_error(std::string message)
  {
    say(message);
    return { .status = Status::error, .error = std::move(message) };
  }

  // A step's failure: the user's ends the build with its message as the ERROR; any other is
  // an infrastructure failure, which the worker retries.
  Outcome failed(util::Error error)
  {
    if (error.fault == util::Fault::user) {
      return final_error(std::move(error.message));
    }
    return std::unexpected(std::move(error));
  }

  BuildResult over_limit(std::string_view stage, Limit limit)
  {
    if (limit == Limit::time) {
      return final_error("The install and build went over the " +
                         describe_limit(limit, m_config.limits) +
                         " and were stopped: " + limit_advice(limit));
    }
    return final_error(std::string(stage) + " went over the " +
                       describe_limit(limit, m_config.limits) +
                       " and was stopped: " + limit_advice(limit));
  }

  // Records the phase; CANCELED when canceled or the deployment is final already.
  Outcome enter(Phase phase)
  {
    if (m_job.cancel.load()) {
      return canceled();
    }
    static_cast<void>(m_log.flush());
    auto updated = m_store.update_status(
      { m_deployment.id, Status::in_progress, phase, std::string(), m_commit, to_json(m_info) });
    if (!updated) {
      return std::unexpected(std::move(updated.error()));
    }
    if (!*updated) {
      return canceled();
    }
    return std::nullopt;
  }

  Outcome clone()
  {
    const auto started = Clock::now();
    const auto home = m_job.workspace.path() / ".git-home";
    std::error_code ec;
    fs::create_directories(home, ec);
    if (ec) {
      return util::fail("cannot create " + home.string() + ": " + ec.message());
    }
    say("Cloning " + sanitize_line(m_deployment.repo_url) +
        (m_deployment.ref.empty() ? std::string() : " at " + sanitize_line(m_deployment.ref)));
    CloneRequest request{ m_deployment.repo_url,
                          m_deployment.ref,
                          source(),
                          home,
                          m_config.allow_local_repos,
                          m_config.clone_timeout,
                          m_config.limits.disk_bytes,
                          &m_job.cancel };
    auto cloned = clone_repository(request, [this](std::string_view line) { output(line); });
    fs::remove_all(home, ec);
    if (!cloned) {
      switch (cloned.error().kind) {
        case CloneFailure::Kind::infrastructure:
          return util::fail(cloned.error().message);
        case CloneFailure::Kind::canceled:
          return canceled();
        case CloneFailure::Kind::too_large:
          return over_limit("Cloning the repository", Limit::disk);
        default:
          return final_error(cloned.error().message);
      }
    }
    m_commit = *cloned;
    say("Cloned commit " + m_commit + " in " + seconds_text(Clock::now() - started));
    if (m_job.cancel.load()) {
      return canceled();
    }
    return std::nullopt;
  }

  Outcome plan()
  {
    if (auto read = read_app_host_config(); !read) {
      return failed(std::move(read.error()));
    }
    auto node = choose_node();
    if (!node) {
      return failed(std::move(node.error()));
    }
    m_node = std::move(*node);
    auto detected =
      detect_build(source(), m_settings.root_dir, m_node.major, m_settings.package_manager);
    if (!detected) {
      return failed(std::move(detected.error()));
    }
    if (auto pinned = pin_from_cache(*detected); !pinned) {
      return failed(std::move(pinned.error()));
    }
    auto planned = apply_settings(std::move(*detected), m_settings);
    if (!planned) {
      return failed(std::move(planned.error()));
    }
    m_plan = std::move(*planned);

    const auto& host = host_toolchain();
    m_info.framework = m_plan.framework;
    m_info.package_manager = std::string(to_string(m_plan.package_manager));
    m_info.package_manager_version = m_plan.package_manager_version;
    m_info.node_version = m_node.version;
    m_info.npm_version = host.npm_version;
    m_info.root_dir = m_plan.app_dir;
    m_info.install_command = display_command(m_plan.install_command);
    m_info.build_command = display_command(m_plan.build_command);

    std::string manager(to_string(m_plan.package_manager));
    if (!m_plan.package_manager_version.empty()) {
      manager += "@" + m_plan.package_manager_version;
    }
    say("Detected framework " + m_plan.framework + ", package manager " + manager +
        (m_plan.lockfile.empty() ? " (no lockfile)" : " (" + m_plan.lockfile + ")") + ", Node.js " +
        m_node.version + ", npm " + host.npm_version);
    if (!m_plan.app_dir.empty()) {
      say("App folder " + m_plan.app_dir +
          (m_plan.install_dir != m_plan.app_dir
             ? ", installed from the workspace root " + display(m_plan.install_dir)
             : std::string()));
    }
    for (const auto& note : m_plan.notes) {
      say(note);
    }
    return std::nullopt;
  }

  // The settings with those of the app's vercel.json or netlify.toml filled in (a folder
  // that is not a real one is left for detection to report).
  util::Result<void> read_app_host_config()
  {
    m_settings = m_deployment.settings;
    const auto app = directory_inside(source(), m_settings.root_dir);
    if (!app) {
      return {};
    }
    auto host = read_host_config(*app, [this](std::string_view line) { m_log.note(line); });
    if (!host) {
      return std::unexpected(std::move(host.error()));
    }
    auto settings = with_host_settings(m_settings, *host);
    if (!settings) {
      return std::unexpected(std::move(settings.error()));
    }
    m_settings = std::move(*settings);
    m_host_config = std::move(*host);
    return {};
  }

  static std::string display(const std::string& dir) { return dir.empty() ? "/" : dir; }

  // A yarn or pnpm from the shared corepack home (installed there first if needed), so
  // that no build downloads it; without a toolchain cache the install phase sets it up.
  util::Result<void> pin_from_cache(BuildPlan& plan)
  {
    const bool corepack =
      plan.package_manager == PackageManager::yarn || plan.package_manager == PackageManager::pnpm;
    if (m_job.toolchains == nullptr || !corepack) {
      return {};
    }
    auto range = plan.package_manager_version;
    if (range.empty() && plan.package_manager == PackageManager::yarn && !plan.yarn_berry) {
      range = "1"; // what a yarn.lock of Yarn Classic and corepack's own default mean
    }
    auto version = m_job.toolchains->package_manager(
      to_string(plan.package_manager), range, [this](std::string_view line) { say(line); });
    if (!version) {
      return std::unexpected(std::move(version.error()));
    }
    pin_package_manager(plan, *version);
    m_corepack_home = m_job.toolchains->corepack_home();
    return {};
  }

  // The Node.js the project asks for (the nodeVersion setting, else its files), from the
  // toolchain cache; the host's when it asks for none, or for one the host's satisfies.
  util::Result<NodeToolchain> choose_node()
  {
    const auto& host = host_toolchain();
    NodeToolchain host_node{ host.node_version, host.node_major, {} };
    std::optional<NodeSource> asked;
    if (const auto& setting = m_settings.node_version; !setting.empty()) {
      auto request = core::parse_node_version(setting);
      if (!request) {
        return util::fail_user("nodeVersion: " + request.error().message);
      }
      asked = NodeSource{ "the nodeVersion setting", setting, std::move(*request) };
    } else {
      auto found = find_node_request(source(), m_settings.root_dir);
      if (!found) {
        return std::unexpected(std::move(found.error()));
      }
      asked = std::move(*found);
    }
    if (!asked) {
      return host_node;
    }
    const auto where = asked->where + " (" + sanitize_line(asked->value) + ")";
    if (m_job.toolchains == nullptr) {
      say("Node.js asked for by " + where + ": no toolchain cache, building on the host's " +
          host.node_version);
      return host_node;
    }
    auto node = m_job.toolchains->node(
      asked->request, where, host_node, [this](std::string_view line) { say(line); });
    if (node) {
      say("Node.js " + node->version + " for " + where +
          (node->root.empty() ? ": the host's own" : ""));
    }
    return node;
  }

  Outcome install()
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
    auto restored = cache->restore(*key, install_dir, m_job.workspace.path() / "deps-overlay");
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
    auto stored = cache->store(*key, install_dir);
    if (!stored) {
      say("Could not save the dependencies to the cache: " + stored.error().message);
    } else if (*stored > 0) {
      say("Saved the installed dependencies to the cache (" + util::format_size(*stored) + ") in " +
          seconds_text(Clock::now() - saving));
    }
    return std::nullopt;
  }

  // The dependency cache entry for this install, or nullopt (said in the log) when the
  // install cannot be cached.
  std::optional<std::string> cache_key()
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

  // After a cache hit: the project's own install-time scripts, which the skipped install
  // would have run (they may write files outside node_modules).
  Outcome run_install_scripts()
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

  static bool is_version(std::string_view text)
  {
    return !text.empty() && text.size() < 40 && text.front() >= '0' && text.front() <= '9' &&
           std::ranges::all_of(
             text,
             [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '-';
             });
  }

  Outcome build()
  {
    m_build_started = fs::file_time_type::clock::now();
    auto env = m_plan.env;
    env.insert(env.end(), m_plan.build_env.begin(), m_plan.build_env.end());
    Step step{ m_config.build_network ? NetworkAccess::confined : NetworkAccess::none,
               m_plan.build_command,
               m_plan.app_dir,
               env,
               "The build" };
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

  static std::string node_options(const std::vector<std::string>& env)
  {
    std::string value;
    for (const auto& entry : env) {
      if (entry.starts_with("NODE_OPTIONS=")) {
        value = entry.substr(entry.find('=') + 1);
      }
    }
    return value;
  }

  static bool has_legacy_openssl(const std::vector<std::string>& env)
  {
    return node_options(env).find(k_legacy_openssl) != std::string::npos;
  }

  Outcome run_step(const Step& step)
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

  // The output folder the build wrote, checked to be a real folder inside the checkout.
  util::Result<std::optional<fs::path>> find_output()
  {
    for (const auto& dir : m_plan.output_dirs) {
      const auto relative = join_path(m_plan.app_dir, dir);
      std::error_code ec;
      if (!fs::exists(fs::symlink_status(source() / relative, ec))) {
        continue;
      }
      auto inside = directory_inside(source(), relative);
      if (!inside) {
        return util::fail_user("The output directory " + dir +
                               "/ is not a real directory (a symbolic link or a file): the build "
                               "must write its files there");
      }
      m_info.output_dir = dir;
      return std::optional(*inside);
    }
    if (!m_settings.output_dir.empty()) {
      return std::optional<fs::path>{};
    }
    const auto app = source() / m_plan.app_dir;
    const auto written = newest_site_folder(app, m_build_started);
    if (written.empty()) {
      return std::optional<fs::path>{};
    }
    say("None of the usual output folders exists: publishing " + written +
        "/, where the build just wrote an index.html (set outputDir to choose another)");
    m_info.output_dir = written;
    return std::optional(app / written);
  }

  Outcome upload()
  {
    const auto started = Clock::now();
    auto found = find_output();
    if (!found) {
      return failed(std::move(found.error()));
    }
    const auto& output_path = *found;
    if (!output_path) {
      std::string names;
      for (std::size_t i = 0; i < m_plan.output_dirs.size(); ++i) {
        names += (i == 0                               ? ""
                  : i + 1 == m_plan.output_dirs.size() ? " or "
                                                       : ", ") +
                 m_plan.output_dirs[i] + "/";
      }
      return final_error("The build finished but wrote no " + names +
                         " directory: make the \"build\" script write the site there, or set "
                         "outputDir");
    }
    const auto& dir = *output_path;
    say("Publishing " + m_info.output_dir + "/");
    const OutputLimits limits{ m_config.limits.output_files, m_config.limits.output_bytes };
    auto collected = collect_output(dir, [this](std::string_view line) { output(line); }, limits);
    if (!collected) {
      return failed(std::move(collected.error()));
    }
    // The host configuration's rules come after the site's _redirects and _headers.
    for (const auto& problem : rules::append_host_rules(collected->rules, m_host_config.config)) {
      say(m_host_config.file + ": " + sanitize_line(problem));
    }
    if (collected->files.empty()) {
      return final_error("The build wrote no files to " + m_info.output_dir + "/");
    }
    const PublishLimits publish_limits{ .deadline = m_deadline,
                                        .time_limit =
                                          describe_limit(Limit::time, m_config.limits) };
    auto published = publish_output(m_objects,
                                    m_deployment.id,
                                    *collected,
                                    m_config.blob_reuse_window,
                                    &m_job.cancel,
                                    publish_limits);
    if (!published) {
      if (published.error().kind == PublishFailure::over_time) {
        return final_error(published.error().message);
      }
      if (m_job.cancel.load()) {
        return canceled();
      }
      return util::fail(std::move(published.error().message));
    }
    say("Published " + std::to_string(published->files) +
        (published->files == 1 ? " file (" : " files (") + std::to_string(published->uploaded) +
        " new, " + util::format_size(published->bytes) + ") in " +
        seconds_text(Clock::now() - started));
    return BuildResult{ .status = Status::deployed };
  }

  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const PipelineConfig& m_config;
  const BuildJob& m_job;
  const core::Deployment m_deployment;
  core::BuildSettings m_settings; // the deployment's, with its host configuration's filled in
  AppHostConfig m_host_config;
  std::string m_commit;
  BuildPlan m_plan;
  NodeToolchain m_node;
  std::filesystem::path m_corepack_home; // empty: the workspace's own
  fs::file_time_type m_build_started;
  BuildInfo m_info;
  Clock::time_point m_deadline;
  bool m_openssl_error = false;
  bool m_exited_with_error = false;
  std::string m_last_line;
  BuildLog m_log;
  // The cached dependencies the build sees, unmounted when the pipeline ends, however.
  std::optional<DependencyCache::Restored> m_restored;
};

} // namespace

util::Result<BuildResult>
run_deployment(store::MetadataStore& store,
               objects::ObjectStore& objects,
               const PipelineConfig& config,
               const BuildJob& job)
{
  const auto& id = job.workspace.deployment_id();
  auto found = store.find_deployment(id);
  if (!found) {
    return std::unexpected(std::move(found.error()));
  }
  auto& deployment = *found;
  if (!deployment) {
    return util::fail("job for unknown deployment " + id);
  }
  if (core::is_final(deployment->status)) {
    return BuildResult{ .status = deployment->status,
                        .error = deployment->error,
                        .commit = deployment->commit };
  }
  Pipeline pipeline(store, objects, config, job, std::move(*deployment));
  return pipeline.run();
}

} // namespace reactor::builder
