#include "reactor/builder/pipeline.hpp"

#include "reactor/builder/build_env.hpp"
#include "reactor/builder/build_info.hpp"
#include "reactor/builder/dependency_cache.hpp"
#include "reactor/builder/detect.hpp"
#include "reactor/builder/disk_watch.hpp"
#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/git.hpp"
#include "reactor/builder/host_config.hpp"
#include "reactor/builder/node_source.hpp"
#include "reactor/builder/pipeline_steps.hpp"
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

namespace pipeline_steps {

namespace {

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

} // namespace

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

Pipeline::Outcome
Pipeline::steps()
{
  if (auto prepared = sandbox::prepare_workspace(m_job.workspace.path()); !prepared) {
    return std::unexpected(std::move(prepared.error()));
  }
  if (auto step = enter(Phase::cloning); !step || step->has_value()) {
    return step;
  }
  // A webhook's build names its commit: what it would reuse is known before cloning.
  const bool commit_known = is_commit_hash(m_deployment.ref);
  if (commit_known) {
    if (auto step = reuse_output(m_deployment.ref); !step || step->has_value()) {
      return step;
    }
  }
  if (auto step = timed("clone", [this] { return clone(); }); !step || step->has_value()) {
    return step;
  }
  if (!commit_known) {
    if (auto step = reuse_output(m_commit); !step || step->has_value()) {
      return step;
    }
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

BuildResult
Pipeline::canceled()
{
  say("Canceled");
  return { .status = Status::canceled, .error = "Canceled" };
}

BuildResult
Pipeline::final_error(std::string message)
{
  say(message);
  return { .status = Status::error, .error = std::move(message) };
}

Pipeline::Outcome
Pipeline::failed(util::Error error)
{
  if (error.fault == util::Fault::user) {
    return final_error(std::move(error.message));
  }
  return std::unexpected(std::move(error));
}

BuildResult
Pipeline::over_limit(std::string_view stage, Limit limit)
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

Pipeline::Outcome
Pipeline::enter(Phase phase)
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

Pipeline::Outcome
Pipeline::clone()
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
  if (auto recorded = m_store.record_commit(m_deployment.id, m_commit); !recorded) {
    return std::unexpected(std::move(recorded.error()));
  }
  say("Cloned commit " + m_commit + " in " + seconds_text(Clock::now() - started));
  if (m_job.cancel.load()) {
    return canceled();
  }
  return std::nullopt;
}

Pipeline::Outcome
Pipeline::plan()
{
  if (auto read = read_app_host_config(); !read) {
    return failed(std::move(read.error()));
  }
  if (auto added = add_environment(); !added) {
    return failed(std::move(added.error()));
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

util::Result<void>
Pipeline::read_app_host_config()
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

util::Result<void>
Pipeline::add_environment()
{
  bool production = false;
  std::vector<core::EnvVariable> variables;
  if (!m_deployment.project.empty()) {
    auto found = m_store.find_project(m_deployment.project);
    if (!found) {
      return std::unexpected(std::move(found.error()));
    }
    const auto& project = *found; // nullopt: deleted meanwhile, built as a preview
    production = project && core::is_production_deployment(*project, m_deployment);
    auto snapshot = m_store.deployment_env(m_deployment.id);
    if (!snapshot) {
      return std::unexpected(std::move(snapshot.error()));
    }
    variables = std::move(*snapshot);
  }
  auto environment = build_environment(
    m_deployment, production, variables, m_config.secrets_key, m_commit, m_config.site_url);
  if (!environment) {
    return std::unexpected(std::move(environment.error()));
  }
  m_log.mask(environment->secrets);
  for (auto& [name, value] : environment->variables) {
    m_settings.env.insert_or_assign(name, std::move(value));
  }
  const auto& scope = m_settings.env["REACTOR_ENV"];
  std::string names;
  for (const auto& name : environment->names) {
    names += (names.empty() ? "" : ", ") + name;
  }
  say("Environment " + scope +
      (names.empty() ? ", no project variables" : ", project variables " + names));
  m_info.env = std::move(environment->names);
  return {};
}

util::Result<void>
Pipeline::pin_from_cache(BuildPlan& plan)
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

util::Result<NodeToolchain>
Pipeline::choose_node()
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

} // namespace pipeline_steps

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
  pipeline_steps::Pipeline pipeline(store, objects, config, job, std::move(*deployment));
  return pipeline.run();
}

} // namespace reactor::builder