#include "reactor/app/main.hpp"

#include "reactor/app/serve.hpp"
#include "reactor/util/units.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace reactor::app {

namespace {

// A CLI11 validator-transform that accepts durations like "20s" or "15m".
CLI::Option*
add_duration(CLI::App& command,
             const std::string& name,
             std::chrono::milliseconds& target,
             const std::string& help,
             const std::string& env)
{
  return command
    .add_option_function<std::string>(
      name,
      [&target, name](const std::string& text) {
        auto parsed = util::parse_duration(text);
        if (!parsed) {
          throw CLI::ValidationError(name, parsed.error().message);
        }
        target = *parsed;
      },
      help)
    ->envname(env);
}

void
add_serve_flags(CLI::App& command, ServeOptions& options)
{
  command.add_option("--listen", options.listen, "Address to listen on (HOST:PORT)")
    ->envname("REACTOR_LISTEN")
    ->capture_default_str();
  command.add_option("--data-dir", options.data_dir, "Where the database, objects and builds live")
    ->envname("REACTOR_DATA_DIR")
    ->capture_default_str();
  command.add_option("--domain", options.domain, "Sites are served at <id>.<domain>")
    ->envname("REACTOR_DOMAIN")
    ->capture_default_str();
  command
    .add_option("--public-url",
                options.public_url,
                "Site URL template shown to users, e.g. https://{id}.example.com")
    ->envname("REACTOR_PUBLIC_URL");
  command.add_option("--workers", options.workers, "Concurrent builds")
    ->envname("REACTOR_WORKERS")
    ->check(CLI::Range(1, 64))
    ->capture_default_str();
  command
    .add_flag("--allow-local-repos",
              options.allow_local_repos,
              "Accept file:// and loopback Git URLs (development and tests only)")
    ->envname("REACTOR_ALLOW_LOCAL_REPOS");
  add_duration(command,
               "--lease-timeout",
               options.lease_timeout,
               "How long a build job stays leased without a heartbeat (default 30s)",
               "REACTOR_LEASE_TIMEOUT");
  add_duration(command,
               "--build-timeout",
               options.build_timeout,
               "Wall-time limit of each install and build command (default 15m)",
               "REACTOR_BUILD_TIMEOUT");
}

} // namespace

int
main(int argc, char** argv)
{
  CLI::App cli{ "Reactor: deploy React apps from Git repositories, served from one binary" };
  cli.require_subcommand(1);
  ServeOptions serve_options;
  auto* serve_command = cli.add_subcommand(
    "serve", "Run api, hub, worker and edge in one process (SQLite + local files)");
  add_serve_flags(*serve_command, serve_options);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return cli.exit(error);
  }
  if (serve_command->parsed()) {
    return serve(serve_options);
  }
  return 0;
}

} // namespace reactor::app
