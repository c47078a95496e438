#include "reactor/builder/pipeline.hpp"

#include "reactor/builder/detect.hpp"
#include "reactor/builder/git.hpp"
#include "reactor/builder/publish.hpp"
#include "reactor/builder/sandbox.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/util/process.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <sys/stat.h>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using core::Phase;
using core::Status;
using core::StatusChange;

constexpr std::size_t k_error_tail_lines = 20;

std::string
join_command(const std::vector<std::string>& command)
{
  std::string out;
  for (const auto& word : command) {
    if (!out.empty()) {
      out += ' ';
    }
    out += word;
  }
  return out;
}

std::string
seconds_text(Clock::duration elapsed)
{
  const auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

void
make_removable(const fs::path& root)
{
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end;
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      ::chmod(it->path().c_str(), 0700);
    }
  }
}

void
remove_tree(const fs::path& root)
{
  std::error_code ec;
  if (fs::remove_all(root, ec) == static_cast<std::uintmax_t>(-1) || ec) {
    ::chmod(root.c_str(), 0700);
    make_removable(root);
    fs::remove_all(root, ec);
  }
}

class Pipeline
{
public:
  Pipeline(store::MetadataStore& store,
           objects::ObjectStore& objects,
           const PipelineConfig& config,
           const std::atomic<bool>& cancel,
           core::Deployment deployment)
    : m_store(store)
    , m_objects(objects)
    , m_config(config)
    , m_cancel(cancel)
    , m_deployment(std::move(deployment))
    , m_workspace(config.work_dir / m_deployment.id)
    , m_log(store, m_deployment.id, config.max_log_lines)
  {
  }

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  ~Pipeline() { remove_tree(m_workspace); }

  core::Result<StatusChange> run()
  {
    auto ended = steps();
    if (!ended) {
      return std::unexpected(std::move(ended.error()));
    }
    if (!ended->has_value()) {
      return core::fail("the pipeline ended without an outcome");
    }
    return **ended;
  }

private:
  // The final change is always set on success: every step but the last returns nullopt to
  // go on.
  using Step = core::Result<std::optional<StatusChange>>;

  Step steps()
  {
    remove_tree(m_workspace);
    if (auto prepared = prepare_workspace(m_workspace); !prepared) {
      return std::unexpected(std::move(prepared.error()));
    }
    if (auto step = enter(Phase::cloning); !step || step->has_value()) {
      return step;
    }
    if (auto step = clone(); !step || step->has_value()) {
      return step;
    }
    auto plan = detect_build(source());
    if (!plan) {
      say("[reactor] " + plan.error().message);
      return final_error(plan.error().message);
    }
    say("[reactor] Detected framework " + plan->framework + ", package manager " +
        std::string(to_string(plan->package_manager)));

    m_build_deadline = Clock::now() + m_config.build_timeout;
    if (auto step = enter(Phase::installing); !step || step->has_value()) {
      return step;
    }
    if (auto step = run_phase(
          SandboxPhase::install, plan->install_command, {}, "Installing dependencies failed");
        !step || step->has_value()) {
      return step;
    }
    if (auto step = enter(Phase::building); !step || step->has_value()) {
      return step;
    }
    if (auto step =
          run_phase(SandboxPhase::build, plan->build_command, plan->build_env, "The build failed");
        !step || step->has_value()) {
      return step;
    }
    if (auto step = enter(Phase::uploading); !step || step->has_value()) {
      return step;
    }
    return upload(*plan);
  }

  fs::path source() const { return m_workspace / "src"; }

  void say(std::string_view line) { m_log.add(line); }

  StatusChange canceled()
  {
    say("[reactor] Canceled");
    return { m_deployment.id, Status::canceled, Phase::none, "Canceled", m_commit };
  }

  StatusChange final_error(std::string message)
  {
    return { m_deployment.id, Status::error, Phase::none, std::move(message), m_commit };
  }

  // Records the phase; CANCELED when canceled or the deployment is final already.
  Step enter(Phase phase)
  {
    if (m_cancel.load()) {
      return canceled();
    }
    static_cast<void>(m_log.flush());
    auto updated = m_store.update_status(
      { m_deployment.id, Status::in_progress, phase, std::string(), m_commit });
    if (!updated) {
      return std::unexpected(std::move(updated.error()));
    }
    if (!*updated) {
      return canceled();
    }
    return std::nullopt;
  }

  Step clone()
  {
    const auto started = Clock::now();
    const auto home = m_workspace / ".git-home";
    std::error_code ec;
    fs::create_directories(home, ec);
    if (ec) {
      return core::fail("cannot create " + home.string() + ": " + ec.message());
    }
    say("[reactor] Cloning " + sanitize_line(m_deployment.repo_url) +
        (m_deployment.ref.empty() ? std::string() : " at " + sanitize_line(m_deployment.ref)));
    CloneRequest request{ m_deployment.repo_url,      m_deployment.ref,       source(), home,
                          m_config.allow_local_repos, m_config.clone_timeout, &m_cancel };
    auto cloned = clone_repository(request, [this](std::string_view line) { say(line); });
    fs::remove_all(home, ec);
    if (!cloned) {
      if (cloned.error().kind == CloneFailure::Kind::infrastructure) {
        return core::fail(cloned.error().message);
      }
      if (cloned.error().kind == CloneFailure::Kind::canceled) {
        return canceled();
      }
      say("[reactor] " + cloned.error().message);
      return final_error(cloned.error().message);
    }
    m_commit = *cloned;
    say("[reactor] Cloned commit " + m_commit + " in " + seconds_text(Clock::now() - started));
    if (m_cancel.load()) {
      return canceled();
    }
    return std::nullopt;
  }

  Step run_phase(SandboxPhase phase,
                 const std::vector<std::string>& command,
                 const std::vector<std::string>& env,
                 std::string_view failure)
  {
    const auto started = Clock::now();
    const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(m_build_deadline - started);
    if (left.count() <= 0) {
      return timed_out();
    }
    say("[reactor] Running " + join_command(command) +
        (phase == SandboxPhase::install ? " (network on)" : " (network off)"));

    SandboxSpec spec;
    spec.workspace = m_workspace;
    spec.phase = phase;
    spec.command = command;
    spec.extra_env = env;
    spec.root_entries = host_root_entries();
    spec.bwrap = m_config.bwrap;

    std::deque<std::string> tail;
    util::ProcessOptions options;
    options.argv = sandbox_argv(spec);
    options.env = { "PATH=/usr/local/bin:/usr/bin:/bin" };
    options.cwd = m_workspace;
    options.timeout = left;
    options.cancel = &m_cancel;
    options.on_line = [&](std::string_view line) {
      say(line);
      tail.push_back(sanitize_line(line));
      if (tail.size() > k_error_tail_lines) {
        tail.pop_front();
      }
    };
    auto result = util::run_process(options);
    if (!result) {
      return core::fail("cannot start the sandbox: " + result.error());
    }
    if (result->canceled) {
      return canceled();
    }
    if (result->timed_out) {
      return timed_out();
    }
    say("[reactor] " + join_command(command) + " finished in " +
        seconds_text(Clock::now() - started));
    if (result->exit_code == 0) {
      return std::nullopt;
    }
    std::string message = std::string(failure) + ": `" + join_command(command) + "` ";
    message += result->signal != 0 ? "was killed by signal " + std::to_string(result->signal)
                                   : "exited with code " + std::to_string(result->exit_code);
    message += ". Fix the error shown in the log; its last lines were:";
    for (const auto& line : tail) {
      message += "\n" + line;
    }
    say("[reactor] " + std::string(failure));
    return final_error(std::move(message));
  }

  StatusChange timed_out()
  {
    const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(m_config.build_timeout).count();
    const auto limit = seconds % 60 == 0 ? std::to_string(seconds / 60) + " minutes"
                                         : std::to_string(seconds) + " seconds";
    const auto message = "The install and build took longer than the limit of " + limit +
                         " and were stopped: make the build faster or smaller";
    say("[reactor] " + message);
    return final_error(message);
  }

  Step upload(const BuildPlan& plan)
  {
    const auto started = Clock::now();
    std::optional<fs::path> output;
    for (const auto& dir : plan.output_dirs) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(source() / dir, ec))) {
        output = source() / dir;
        break;
      }
    }
    if (!output) {
      std::string names;
      for (std::size_t i = 0; i < plan.output_dirs.size(); ++i) {
        names += (i == 0                             ? ""
                  : i + 1 == plan.output_dirs.size() ? " or "
                                                     : ", ") +
                 plan.output_dirs[i] + "/";
      }
      const auto message = "The build finished but wrote no " + names +
                           " directory: make the \"build\" script write the site there";
      say("[reactor] " + message);
      return final_error(message);
    }
    say("[reactor] Publishing " + output->filename().string() + "/");
    auto files = collect_output(*output, [this](std::string_view line) { say(line); });
    if (!files) {
      say("[reactor] " + files.error().message);
      return final_error(files.error().message);
    }
    if (files->empty()) {
      const auto message = "The build wrote no files to " + output->filename().string() + "/";
      say("[reactor] " + message);
      return final_error(message);
    }
    auto published = publish_output(m_objects, m_deployment.id, *files, &m_cancel);
    if (!published) {
      if (m_cancel.load()) {
        return canceled();
      }
      return std::unexpected(std::move(published.error()));
    }
    say("[reactor] Published " + std::to_string(published->files) + " files (" +
        std::to_string(published->uploaded) + " new, " + std::to_string(published->bytes) +
        " bytes) in " + seconds_text(Clock::now() - started));
    return StatusChange{ m_deployment.id, Status::deployed, Phase::none, std::string(), m_commit };
  }

  store::MetadataStore& m_store;
  objects::ObjectStore& m_objects;
  const PipelineConfig& m_config;
  const std::atomic<bool>& m_cancel;
  const core::Deployment m_deployment;
  const fs::path m_workspace;
  std::string m_commit;
  Clock::time_point m_build_deadline;
  BuildLog m_log;
};

} // namespace

core::Result<StatusChange>
run_deployment(store::MetadataStore& store,
               objects::ObjectStore& objects,
               std::string_view deployment_id,
               const PipelineConfig& config,
               const std::atomic<bool>& cancel)
{
  auto found = store.find_deployment(deployment_id);
  if (!found) {
    return std::unexpected(std::move(found.error()));
  }
  if (!*found) {
    return core::fail("job for unknown deployment " + std::string(deployment_id));
  }
  if (core::is_final((*found)->status)) {
    const auto& current = **found;
    return StatusChange{ current.id, current.status, Phase::none, current.error, current.commit };
  }
  const bool safe_id = !deployment_id.empty() && std::ranges::all_of(deployment_id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
  if (!safe_id) {
    return core::fail("deployment id unfit for a path: " + std::string(deployment_id));
  }
  if (config.work_dir.empty()) {
    return core::fail("the builder has no work directory");
  }
  Pipeline pipeline(store, objects, config, cancel, std::move(**found));
  return pipeline.run();
}

} // namespace reactor::builder
