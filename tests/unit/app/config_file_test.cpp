#include "reactor/app/config_file.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include <cstdlib>
#include <fstream>

namespace reactor::app {

namespace {

// A command shaped like `reactor serve`: text, a checked number, a fraction, a switch,
// a value parsed by a callback, and --config itself.
struct Command
{
  CLI::App app{ "test" };
  std::string listen = "127.0.0.1:3000";
  std::string domain = "localhost";
  int workers = 1;
  double rate = 30;
  bool allow_local = false;
  std::string timeout = "15m";
  std::string config;

  Command()
  {
    app.add_option("--listen", listen)->envname("REACTOR_TEST_LISTEN");
    app.add_option("--domain", domain)->envname("REACTOR_TEST_DOMAIN");
    app.add_option("--workers", workers)->check(CLI::Range(1, 64));
    app.add_option("--rate", rate);
    app.add_flag("--allow-local-repos", allow_local);
    app.add_option_function<std::string>("--build-timeout", [this](const std::string& text) {
      if (!text.ends_with('m')) {
        throw CLI::ValidationError("--build-timeout", "'" + text + "' is not a duration");
      }
      timeout = text;
    });
    app.add_option("--config", config);
  }

  util::Result<void> run(std::vector<std::string> args, const std::string& toml)
  {
    testing::TempDir dir;
    const auto file = dir.path() / "reactor.toml";
    std::ofstream(file) << toml;
    std::reverse(args.begin(), args.end()); // CLI11 takes a vector last argument first
    app.parse(args);
    return apply_config_file(app, file);
  }
};

} // namespace

TEST(ConfigFile, SetsEveryKindOfOption)
{
  Command command;
  ASSERT_TRUE(command
                .run({},
                     "listen = \"0.0.0.0:8080\"\n"
                     "workers = 4\n"
                     "rate = 2.5\n"
                     "allow-local-repos = true\n"
                     "build-timeout = \"20m\"\n")
                .has_value());
  EXPECT_EQ(command.listen, "0.0.0.0:8080");
  EXPECT_EQ(command.workers, 4);
  EXPECT_EQ(command.rate, 2.5);
  EXPECT_TRUE(command.allow_local);
  EXPECT_EQ(command.timeout, "20m");
}

TEST(ConfigFile, FlagBeatsEnvironmentBeatsFileBeatsDefault)
{
  ::setenv("REACTOR_TEST_LISTEN", "127.0.0.1:2000", 1);
  ::setenv("REACTOR_TEST_DOMAIN", "env.example", 1);
  Command command;
  const auto applied = command.run({ "--listen", "127.0.0.1:1000" },
                                   "listen = \"127.0.0.1:3000\"\n"
                                   "domain = \"file.example\"\n"
                                   "workers = 3\n");
  ::unsetenv("REACTOR_TEST_LISTEN");
  ::unsetenv("REACTOR_TEST_DOMAIN");
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(command.listen, "127.0.0.1:1000");
  EXPECT_EQ(command.domain, "env.example");
  EXPECT_EQ(command.workers, 3);
  EXPECT_EQ(command.rate, 30);
}

TEST(ConfigFile, ErrorsNameTheLineTheKeyAndTheFix)
{
  const auto error = [](const std::string& toml) {
    Command command;
    const auto applied = command.run({}, toml);
    return applied ? std::string("no error") : applied.error().message;
  };
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "reactor.toml:2: unknown setting 'lissten'",
                      error("workers = 2\nlissten = \"x\"\n"));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "reactor.toml:1: 'workers' expects a number without quotes, e.g. workers = 2",
                      error("workers = \"2\"\n"));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "reactor.toml:1: 'build-timeout' expects a string in quotes, e.g. "
                      "build-timeout = \"15\"",
                      error("build-timeout = 15\n"));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "reactor.toml:1: 'allow-local-repos' expects true or false",
                      error("allow-local-repos = \"yes\"\n"));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "reactor.toml:3: 'workers' = 100 is refused",
                      error("\n\nworkers = 100\n"));
  EXPECT_PRED_FORMAT2(::testing::IsSubstring,
                      "reactor.toml:1: 'build-timeout' = 5x is refused",
                      error("build-timeout = \"5x\"\n"));
  EXPECT_PRED_FORMAT2(
    ::testing::IsSubstring, "reactor.toml:1: 'serve' must be a single value", error("[serve]\n"));
  EXPECT_PRED_FORMAT2(
    ::testing::IsSubstring, "unknown setting 'config'", error("config = \"other.toml\"\n"));
  EXPECT_PRED_FORMAT2(
    ::testing::IsSubstring, "reactor.toml:2: not valid TOML", error("a = 1\nb = \n"));
}

TEST(ConfigFile, MissingFileIsAnError)
{
  Command command;
  command.app.parse(std::vector<std::string>{});
  const auto applied = apply_config_file(command.app, "/nonexistent/reactor.toml");
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().message, "cannot read the config file /nonexistent/reactor.toml");
}

} // namespace reactor::app
