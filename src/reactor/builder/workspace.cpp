#include "reactor/builder/workspace.hpp"

#include <algorithm>
#include <charconv>

namespace reactor::builder {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_attempt_prefix = "attempt-";

bool
is_safe_for_path(std::string_view deployment_id)
{
  return !deployment_id.empty() && std::ranges::all_of(deployment_id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

fs::path
attempt_dir(const fs::path& work_dir, int attempt)
{
  return work_dir / (std::string(k_attempt_prefix) + std::to_string(attempt));
}

// The attempt an attempt-<n> folder name stands for; 0 for any other name.
int
attempt_of(std::string_view name)
{
  int attempt = 0;
  if (!name.starts_with(k_attempt_prefix)) {
    return 0;
  }
  const auto digits = name.substr(k_attempt_prefix.size());
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), attempt);
  return error == std::errc() && end == digits.data() + digits.size() ? attempt : 0;
}

} // namespace

Workspace::Workspace(fs::path work_dir, std::string deployment_id, int attempt)
  : m_work_dir(std::move(work_dir))
  , m_deployment_id(std::move(deployment_id))
  , m_attempt(attempt)
  , m_path(attempt_dir(m_work_dir, m_attempt) / m_deployment_id)
{
}

util::Result<Workspace>
Workspace::open(const fs::path& work_dir, std::string_view deployment_id, int attempt)
{
  if (work_dir.empty()) {
    return util::fail("the builder has no work directory");
  }
  if (!is_safe_for_path(deployment_id)) {
    return util::fail("deployment id unfit for a path: " + std::string(deployment_id));
  }
  return Workspace(work_dir, std::string(deployment_id), attempt);
}

void
Workspace::remove(Trash& trash) const
{
  trash.discard(m_path);
}

void
Workspace::remove_earlier_attempts(Trash& trash) const
{
  for (int earlier = 1; earlier < m_attempt; ++earlier) {
    trash.discard(attempt_dir(m_work_dir, earlier) / m_deployment_id);
  }
}

std::vector<Workspace>
find_workspaces(const fs::path& work_dir)
{
  std::vector<Workspace> found;
  std::error_code ec;
  for (fs::directory_iterator attempt(work_dir, ec), end; !ec && attempt != end;
       attempt.increment(ec)) {
    const int number = attempt_of(attempt->path().filename().string());
    if (number == 0) {
      continue;
    }
    std::error_code inner;
    for (fs::directory_iterator workspace(attempt->path(), inner); !inner && workspace != end;
         workspace.increment(inner)) {
      auto opened = Workspace::open(work_dir, workspace->path().filename().string(), number);
      if (opened) {
        found.push_back(std::move(*opened));
      }
    }
  }
  return found;
}

} // namespace reactor::builder
