#include "reactor/builder/brotli_finisher.hpp"
#include "reactor/builder/file_tree.hpp"
#include "reactor/builder/pipeline_steps.hpp"
#include "reactor/builder/publish.hpp"
#include "reactor/builder/text.hpp"
#include "reactor/util/units.hpp"

namespace reactor::builder::pipeline_steps {

namespace {

std::string
join_path(const std::string& dir, const std::string& name)
{
  return dir.empty() ? name : dir + "/" + name;
}

} // namespace

util::Result<std::optional<fs::path>>
Pipeline::find_output()
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

Pipeline::Outcome
Pipeline::upload()
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
  const PublishLimits publish_limits{
    .deadline = m_deadline,
    .time_limit = describe_limit(Limit::time, m_config.limits),
    .defer_brotli_from =
      m_job.brotli != nullptr ? k_defer_brotli_from : PublishLimits{}.defer_brotli_from,
  };
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
  if (auto& deferred = published->brotli_deferred; !deferred.empty()) {
    say("Brotli variants of " + std::to_string(deferred.size()) +
        (deferred.size() == 1 ? " large file follow" : " large files follow") +
        " in the background (gzip until then)");
    m_job.brotli->add(m_deployment.id, std::move(deferred));
  }
  return BuildResult{ .status = Status::deployed };
}

} // namespace reactor::builder::pipeline_steps
