#pragma once

#include <string_view>

namespace reactor::objects {

// True for a key every backend can store: '/'-separated, relative, no empty, "." or ".."
// segment and no NUL, so it can never name anything outside the store.
bool is_valid_key(std::string_view key);

} // namespace reactor::objects
