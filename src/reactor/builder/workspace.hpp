#pragma once

#include "reactor/builder/trash.hpp"
#include "reactor/util/error.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace reactor::builder {

// The folder one attempt at a deployment builds in, <work_dir>/attempt-<n>/<id>: an attempt
// that lost its lease deletes its own without touching the one a new attempt uses.
class Workspace
{
public:
  // Fails when `work_dir` is empty or the id could climb out of it (ids come from the
  // store). Creates nothing.
  static util::Result<Workspace> open(const std::filesystem::path& work_dir,
                                      std::string_view deployment_id,
                                      int attempt);

  const std::filesystem::path& path() const { return m_path; }
  const std::string& deployment_id() const { return m_deployment_id; }

  // Moves the folder into `trash`, which deletes it and all in it in the background: a
  // real app's node_modules can take a minute to delete on a busy disk.
  void remove(Trash& trash) const;

  // Moves the folders of this deployment's earlier attempts, left behind by a process that
  // died while building it, into `trash`.
  void remove_earlier_attempts(Trash& trash) const;

private:
  Workspace(std::filesystem::path work_dir, std::string deployment_id, int attempt);

  std::filesystem::path m_work_dir;
  std::string m_deployment_id;
  int m_attempt = 1;
  std::filesystem::path m_path;
};

// Every workspace under `work_dir` (none when it cannot be read), for finding those a
// killed process left behind.
std::vector<Workspace> find_workspaces(const std::filesystem::path& work_dir);

} // namespace reactor::builder
