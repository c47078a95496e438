#pragma once

#include "reactor/util/error.hpp"

#include <boost/url/url_view.hpp>

#include <string>
#include <string_view>

namespace reactor::core {

// Checks that `url` names a public Git repository Reactor may clone: an absolute
// https, http or git URL with a host and no credentials. file:// URLs and loopback
// hosts pass only when `allow_local` (development and tests). Returns the URL as
// given, or an Error that says what to fix.
util::Result<std::string> validate_repo_url(std::string_view url, bool allow_local);

// Refuses a URL host that spells an address Reactor must not reach, in an error that names
// `field`; returns the host (an address as the address it means). Names are resolved and
// their addresses checked again when connecting (builder/clone_target, notify/sender).
util::Result<std::string> check_url_host(const boost::urls::url_view& url,
                                         std::string_view field,
                                         bool allow_local);

// Checks a branch, tag or commit name: git's ref rules, and never an option.
util::Result<std::string> validate_ref(std::string_view ref);

} // namespace reactor::core
