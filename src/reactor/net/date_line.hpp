#pragma once

#include <string_view>

namespace reactor::net {

// "Date: <now in IMF-fixdate>\r\n", formatted at most once a second per thread; valid on
// this thread until the next call.
std::string_view date_line();

// The same date without the name and the CRLF, as an HTTP/2 field value.
std::string_view date_value();

} // namespace reactor::net
