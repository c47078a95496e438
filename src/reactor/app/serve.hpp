#pragma once

#include "reactor/builder/limits.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

namespace reactor::app {

struct ServeOptions
{
  std::string listen = "127.0.0.1:3000";
  std::filesystem::path data_dir = ".reactor";
  std::string domain = "localhost";
  std::string public_url; // empty: http://{id}.<domain>:<port>
  int workers = 1;
  bool allow_local_repos = false;
  std::chrono::milliseconds lease_timeout{ 30'000 };
  builder::BuildLimits build_limits;
  std::uint64_t dependency_cache_bytes = 10ULL << 30;
  std::uint64_t edge_cache_bytes = 256ULL << 20;
};

// Runs api + hub + worker + edge in one process on SQLite and a local directory until
// SIGINT or SIGTERM. Returns the process exit code.
int serve(const ServeOptions& options);

} // namespace reactor::app
