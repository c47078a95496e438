#pragma once

#include "reactor/util/error.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>

namespace reactor::app {

// Applies the settings of a TOML file to `command`'s options, each under its flag's name
// without the dashes (`listen = "127.0.0.1:3000"` is --listen). Call after parsing the
// command line: only options given neither there nor by their environment variable are
// set, so a flag beats its variable, which beats the file, which beats the default.
// Strings for text (durations and sizes too: "15m", "4G"), numbers for numbers, true or
// false for switches. Fails with "<file>:<line>: …" naming the key and what to fix for a
// syntax error, an unknown key, a section, a wrong type or a value the flag rejects.
util::Result<void> apply_config_file(CLI::App& command, const std::filesystem::path& file);

} // namespace reactor::app
