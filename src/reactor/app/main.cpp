#include "reactor/app/main.hpp"

#include "reactor/app/config_file.hpp"
#include "reactor/app/serve.hpp"
#include "reactor/cli/command_line.hpp"
#include "reactor/util/units.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <array>
#include <csignal>
#include <fstream>
#include <iostream>
#include <netinet/in.h>

namespace reactor::app {

namespace {

// A CLI11 option whose text `parse` turns into `target` (a unit like "15m" or "4G"); its
// error message becomes the usage error.
template<typename Value, typename Parse>
CLI::Option*
add_parsed(CLI::App& command,
           const std::string& name,
           Value& target,
           const std::string& help,
           const std::string& env,
           Parse parse)
{
  return command
    .add_option_function<std::string>(
      name,
      [&target, name, parse](const std::string& text) {
        auto parsed = parse(text);
        if (!parsed) {
          throw CLI::ValidationError(name, parsed.error().message);
        }
        target = *parsed;
      },
      help)
    ->envname(env);
}

// Durations like "20s" or "15m".
CLI::Option*
add_duration(CLI::App& command,
             const std::string& name,
             std::chrono::milliseconds& target,
             const std::string& help,
             const std::string& env)
{
  return add_parsed(command, name, target, help, env, util::parse_duration);
}

// Sizes like "512M" or "4G".
CLI::Option*
add_size(CLI::App& command,
         const std::string& name,
         std::uint64_t& target,
         const std::string& help,
         const std::string& env)
{
  return add_parsed(command, name, target, help, env, util::parse_size);
}

void
add_build_limit_flags(CLI::App& command, builder::BuildLimits& limits)
{
  add_duration(command,
               "--build-timeout",
               limits.timeout,
               "Wall-time limit of each deployment's install and build (default 15m)",
               "REACTOR_BUILD_TIMEOUT");
  add_size(command,
           "--build-memory",
           limits.memory_bytes,
           "Memory limit of each sandboxed command, via cgroups (default 4G)",
           "REACTOR_BUILD_MEMORY");
  command
    .add_option(
      "--build-processes", limits.max_processes, "Process limit of each sandboxed command")
    ->envname("REACTOR_BUILD_PROCESSES")
    ->check(CLI::Range(8, 1'000'000))
    ->capture_default_str();
  add_size(command,
           "--build-disk",
           limits.disk_bytes,
           "What a build's workspace (clone, dependencies, output) may hold (default 10G)",
           "REACTOR_BUILD_DISK");
  add_size(command,
           "--build-output-size",
           limits.output_bytes,
           "Size limit of a deployment's published files (default 2G)",
           "REACTOR_BUILD_OUTPUT_SIZE");
  command
    .add_option("--build-output-files", limits.output_files, "File-count limit of a deployment")
    ->envname("REACTOR_BUILD_OUTPUT_FILES")
    ->check(CLI::Range(1, 10'000'000))
    ->capture_default_str();
  add_size(command,
           "--build-log-size",
           limits.log_bytes,
           "Size limit of a build log; the rest is dropped with a marker (default 10M)",
           "REACTOR_BUILD_LOG_SIZE");
}

void
add_log_flags(CLI::App& command, ServeOptions& options)
{
  command
    .add_option_function<std::string>(
      "--log-format",
      [&options](const std::string& name) {
        const auto format = util::log::parse_format(name);
        if (!format) {
          throw CLI::ValidationError("--log-format", "'" + name + "' is not text or json");
        }
        options.log_format = *format;
      },
      "Log lines as text for people or json (one object per line) for machines (default text)")
    ->envname("REACTOR_LOG_FORMAT");
  command
    .add_option_function<std::string>(
      "--log-level",
      [&options](const std::string& name) {
        const auto level = util::log::parse_level(name);
        if (!level) {
          throw CLI::ValidationError("--log-level",
                                     "'" + name + "' is not debug, info, warn or error");
        }
        options.log_level = *level;
      },
      "Lowest level logged: debug, info, warn or error (default info)")
    ->envname("REACTOR_LOG_LEVEL");
}

void
add_serve_flags(CLI::App& command, ServeOptions& options)
{
  command
    .add_option("--db", options.db, "Metadata store: sqlite:///path/reactor.db or postgres://…")
    ->envname("REACTOR_DB");
  command
    .add_option("--store",
                options.store,
                "Object store: file:///path or s3://bucket/prefix?endpoint=…&region=…")
    ->envname("REACTOR_STORE");
  command.add_option("--listen", options.listen, "Address to listen on (HOST:PORT)")
    ->envname("REACTOR_LISTEN")
    ->capture_default_str();
  command
    .add_option("--listen-https",
                options.listen_https,
                "Address to serve HTTPS on (HOST:PORT); --listen then redirects to it, except "
                "ACME challenges (needs --tls-cert and --tls-key, or --acme-email)")
    ->envname("REACTOR_LISTEN_HTTPS");
  command
    .add_option("--tls-cert",
                options.tls_cert,
                "PEM certificate chain for --listen-https, leaf first; SIGHUP or a change "
                "to the file reloads it")
    ->envname("REACTOR_TLS_CERT");
  command.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert")
    ->envname("REACTOR_TLS_KEY");
  command
    .add_option("--acme-email",
                options.acme_email,
                "Obtain and renew --listen-https's certificates over ACME, with this contact "
                "address (agreeing to the CA's terms); --tls-cert then only serves names "
                "ACME does not cover")
    ->envname("REACTOR_ACME_EMAIL");
  command.add_option("--acme-directory", options.acme_directory, "ACME directory URL of the CA")
    ->envname("REACTOR_ACME_DIRECTORY")
    ->capture_default_str();
  command
    .add_option("--acme-ca-file",
                options.acme_ca_file,
                "PEM roots to trust for --acme-directory instead of the system's (a test CA)")
    ->envname("REACTOR_ACME_CA_FILE");
  command
    .add_option("--dns01-hook",
                options.dns01_hook,
                "Executable that sets DNS-01 TXT records, run as `<hook> present|cleanup "
                "_acme-challenge.<name>. <value>`: ACME then covers <domain> and *.<domain>; "
                "without it, only <domain> by --acme-challenge")
    ->envname("REACTOR_DNS01_HOOK");
  command
    .add_option("--acme-challenge",
                options.acme_challenge,
                "How names without --dns01-hook (and custom domains) are proven: http-01 "
                "(the CA connects to port 80) or tls-alpn-01 (port 443)")
    ->envname("REACTOR_ACME_CHALLENGE")
    ->check(CLI::IsMember({ "http-01", "tls-alpn-01" }))
    ->capture_default_str();
  command
    .add_flag(
      "--hsts", options.hsts, "Send Strict-Transport-Security (two years) on HTTPS responses")
    ->envname("REACTOR_HSTS");
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
  command
    .add_option("--api-host",
                options.api_hosts,
                "Host name the API answers for besides localhost, 127.0.0.1, [::1] and the "
                "--public-url host (repeat, or separate with commas)")
    ->envname("REACTOR_API_HOST")
    ->delimiter(',')
    ->check(
      [](const std::string& name) -> std::string {
        if (name.empty() || name.find_first_of("/:@?# ") != std::string::npos) {
          return "'" + name +
                 "' is not a host name: give one like api.example.com, without "
                 "scheme or port";
        }
        return {};
      },
      "HOST");
  command
    .add_option("--public-ip",
                options.public_ips,
                "An address of this server that custom domains' A or AAAA records may name "
                "instead of a CNAME to <project>.<domain> (repeat, or separate with commas)")
    ->envname("REACTOR_PUBLIC_IP")
    ->delimiter(',')
    ->check(CLI::ValidIPV4 | CLI::Validator(
                               [](const std::string& address) -> std::string {
                                 std::array<unsigned char, sizeof(in6_addr)> bytes{};
                                 return inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1
                                          ? ""
                                          : "'" + address + "' is not an IPv4 or IPv6 address";
                               },
                               "IP"));
  command
    .add_option("--dns-resolver",
                options.dns_resolver,
                "The DNS server custom domains are checked with, as IPv4:port (default: the "
                "system's, from /etc/resolv.conf)")
    ->envname("REACTOR_DNS_RESOLVER");
  add_duration(command,
               "--domain-recheck",
               options.domain_recheck,
               "How often an active custom domain's DNS is checked again (default 1h)",
               "REACTOR_DOMAIN_RECHECK");
  command
    .add_option("--workers",
                options.workers,
                "Concurrent builds (default: one per core, at most one per --build-memory of "
                "the machine's memory, at least 1)")
    ->envname("REACTOR_WORKERS")
    ->check(CLI::Range(1, 64));
  command
    .add_flag("--allow-local-repos",
              options.allow_local_repos,
              "Accept file:// and loopback Git URLs (development and tests only)")
    ->envname("REACTOR_ALLOW_LOCAL_REPOS");
  command
    .add_option_function<std::string>(
      "--build-network",
      [&options](const std::string& value) {
        if (value != "on" && value != "off") {
          throw CLI::ValidationError("--build-network", "'" + value + "' is not on or off");
        }
        options.build_network = value == "on";
      },
      "on: the build phase reaches the internet like the install phase (no host loopback); "
      "off: it runs without a network (default on)")
    ->envname("REACTOR_BUILD_NETWORK");
  add_duration(command,
               "--lease-timeout",
               options.lease_timeout,
               "How long a build job stays leased without a heartbeat (default 30s)",
               "REACTOR_LEASE_TIMEOUT");
  add_build_limit_flags(command, options.build_limits);
  add_size(command,
           "--edge-cache",
           options.edge_cache_bytes,
           "Memory for the files the edge keeps ready to send (default 256M)",
           "REACTOR_EDGE_CACHE");
  add_size(command,
           "--object-cache",
           options.object_cache_bytes,
           "Disk space under <data-dir>/cache/objects for files read from S3; 0 turns it off "
           "(default 10G)",
           "REACTOR_OBJECT_CACHE");
  command
    .add_option("--api-token",
                options.api_token,
                "Token that changes and admin calls must send as Authorization: Bearer …")
    ->envname("REACTOR_API_TOKEN");
  command
    .add_option_function<std::string>(
      "--api-token-file",
      [&options](const std::string& path) {
        std::ifstream file(path);
        std::string token;
        if (!std::getline(file, token) || token.empty()) {
          throw CLI::ValidationError("--api-token-file", "cannot read a token from " + path);
        }
        options.api_token = token;
      },
      "File whose first line is the API token")
    ->envname("REACTOR_API_TOKEN_FILE");
  command
    .add_option("--secrets-key-file",
                options.secrets_key_file,
                "Key that seals project variables at rest: 32 bytes, mode 0600, made on first "
                "start; every api and worker node needs the same file (default "
                "<data-dir>/secrets.key)")
    ->envname("REACTOR_SECRETS_KEY_FILE");
  command
    .add_flag("--insecure-public",
              options.insecure_public,
              "Serve the API beyond loopback without a token (trusted networks only)")
    ->envname("REACTOR_INSECURE_PUBLIC");
  command
    .add_option("--deploy-rate-limit",
                options.deploy_rate_per_minute,
                "POST /deploy per client address per minute; 0 turns the limit off")
    ->envname("REACTOR_DEPLOY_RATE_LIMIT")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  add_size(command,
           "--dependency-cache-size",
           options.dependency_cache_bytes,
           "Disk space for cached dependencies under <data-dir>/cache/deps; 0 turns it off "
           "(default 10G)",
           "REACTOR_DEPENDENCY_CACHE_SIZE");
  add_size(command,
           "--build-cache-size",
           options.build_cache_bytes,
           "Disk space for what builds keep for their next run (node_modules/.cache, "
           ".next/cache) under <data-dir>/cache/build; 0 turns it off (default 2G)",
           "REACTOR_BUILD_CACHE_SIZE");
  add_duration(command,
               "--dependency-cache-max-age",
               options.dependency_cache_max_age,
               "Cached dependencies and build caches unused this long are removed (default 14d)",
               "REACTOR_DEPENDENCY_CACHE_MAX_AGE");
  add_duration(command,
               "--gc-interval",
               options.gc_interval,
               "How often workers collect garbage (unreferenced blobs, old dependency caches); "
               "0 turns it off (default 1h)",
               "REACTOR_GC_INTERVAL");
  add_duration(command,
               "--gc-grace",
               options.gc_grace,
               "Blobs written more recently are never deleted; use the same value on every "
               "node (default 1h)",
               "REACTOR_GC_GRACE");
  add_duration(command,
               "--shutdown-grace",
               options.shutdown_grace,
               "How long requests in progress get to finish after SIGTERM (default 10s)",
               "REACTOR_SHUTDOWN_GRACE");
  add_log_flags(command, options);
}

} // namespace

int
main(int argc, char** argv)
{
  // A client that goes away mid-response must cost one failed write (EPIPE), not the
  // process: sendfile(2) raises SIGPIPE, unlike Asio's own sends. Builds get the default
  // disposition back (util/process resets it in the child).
  static_cast<void>(std::signal(SIGPIPE, SIG_IGN));
  CLI::App cli{ "Reactor: deploy React apps from Git repositories, served from one binary" };
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "reactor " REACTOR_VERSION);
  // Each role command takes the same flags into its own options: CLI11 applies
  // environment variables to every subcommand, parsed or not, so shared options would let
  // a variable overwrite a flag given to the chosen command.
  struct RoleCommand
  {
    const char* name;
    const char* description;
    Roles roles;
    ServeOptions options{};
    std::string config_file;
    CLI::App* command = nullptr;
  };
  std::array<RoleCommand, 4> role_commands{ {
    { "serve", "Run api, hub, worker and edge in one process", Roles{} },
    { "api", "Run the REST API, WebSocket/SSE hub and web UI", Roles{ true, false, false } },
    { "worker", "Run build workers", Roles{ false, true, false } },
    { "edge", "Serve deployed sites", Roles{ false, false, true } },
  } };
  for (auto& role : role_commands) {
    role.command = cli.add_subcommand(role.name, role.description);
    add_serve_flags(*role.command, role.options);
    role.command
      ->add_option("--config",
                   role.config_file,
                   "TOML file of settings named like these flags (listen = \"…\"); flags and "
                   "environment variables win over it")
      ->envname("REACTOR_CONFIG");
  }
  cli::ClientCommands client_commands(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version end the parse too, with 0.
    return cli.exit(error) == 0 ? 0 : cli::k_exit_usage;
  }
  for (auto& role : role_commands) {
    if (!role.command->parsed()) {
      continue;
    }
    if (!role.config_file.empty()) {
      if (auto applied = apply_config_file(*role.command, role.config_file); !applied) {
        std::cerr << "reactor: " << applied.error().message << "\n";
        return 2;
      }
    }
    return run_node(role.options, role.roles);
  }
  return client_commands.run().value_or(0);
}

} // namespace reactor::app
