#pragma once

#include "reactor/util/error.hpp"

#include <cstddef>
#include <filesystem>

namespace reactor::builder {

// A read-only folder shown read-write at another through overlayfs: what is written there
// goes to an upper folder of its own, never to the folder shown. Mounted in Reactor's own
// mount namespace (it needs root), so a sandbox started afterwards sees it in the
// workspace it binds.
class Overlay
{
public:
  // Shows `lower` at `target` (created; must not exist), its upper and work folders in
  // `scratch` (created; must not exist, on the same filesystem as each other). Fails
  // saying why: not root, no overlayfs, a path overlayfs cannot take.
  static util::Result<Overlay> mount(const std::filesystem::path& lower,
                                     const std::filesystem::path& target,
                                     const std::filesystem::path& scratch);

  Overlay(Overlay&& other) noexcept;
  Overlay& operator=(Overlay&& other) noexcept;
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;
  // Calls unmount().
  ~Overlay();

  // Unmounts, lazily (detached, gone once the last file open in it closes) when it is
  // still busy. Does nothing the second time.
  void unmount();

private:
  explicit Overlay(std::filesystem::path target);

  std::filesystem::path m_target; // empty once unmounted
};

// Detaches every mount below `dir` (the overlays of a process that was killed while
// building); returns how many.
std::size_t unmount_below(const std::filesystem::path& dir);

} // namespace reactor::builder
