#pragma once

#include "reactor/builder/git.hpp"
#include "reactor/core/deployment.hpp"
#include "reactor/rules/host_config.hpp"
#include "reactor/util/error.hpp"

#include <filesystem>
#include <string>

namespace reactor::builder {

// The configuration an app holds for another host, as the build applies it.
struct AppHostConfig
{
  std::string file; // "vercel.json", "netlify.toml"; empty: the app has neither
  rules::HostConfig config;
};

// Reads vercel.json, else netlify.toml (a folder with both: vercel.json, and the other named
// in the log as ignored), from the app's folder `app_dir`, and says in `log` what it sets and,
// one line each, what it leaves out. A file that is a symbolic link or not a regular file is
// named and ignored. Fails, the user's fault, naming the file and line, when the file is
// malformed or larger than 1 MiB.
util::Result<AppHostConfig> read_host_config(const std::filesystem::path& app_dir,
                                             const LogFn& log);

// `request` with the build settings of `host` filled in where the request leaves them empty:
// the request's win, and the file's win over detection. Fails, the user's fault, naming the
// file, when one of its settings would be refused in a request.
util::Result<core::BuildSettings> with_host_settings(core::BuildSettings request,
                                                     const AppHostConfig& host);

} // namespace reactor::builder
