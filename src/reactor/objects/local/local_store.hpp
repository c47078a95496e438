#pragma once

#include "reactor/objects/object_store.hpp"

#include <filesystem>
#include <memory>

namespace reactor::objects::local {

// Objects as files below `root` (created if missing); writes go through a temporary
// file and rename.
util::Result<std::unique_ptr<ObjectStore>> create_store(const std::filesystem::path& root);

} // namespace reactor::objects::local
