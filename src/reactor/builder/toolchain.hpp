#pragma once

#include <string>

namespace reactor::builder {

// The Node.js toolchain that sandboxed commands run (the host's /usr is theirs).
struct Toolchain
{
  std::string node_version; // "20.20.2"; empty when node is missing
  std::string npm_version;  // "11.19.1"; empty when npm is missing
  int node_major = 0;
};

// Asks `node --version` and reads npm's package.json once per process; later calls return
// the same.
const Toolchain& host_toolchain();

} // namespace reactor::builder
