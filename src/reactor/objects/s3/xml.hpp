#pragma once

// What the S3 store reads from S3's XML answers: error documents and ListObjectsV2 pages.
// Only the few elements it needs, found by name: S3 documents are flat and well formed.

#include "reactor/objects/object_store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace reactor::objects::s3 {

// The text of an element (the first one named `name`), empty when absent; still escaped.
std::string xml_element(std::string_view body, std::string_view name);

// The text with XML's five named entities replaced (S3 escapes no more in keys).
std::string xml_unescape(std::string_view text);

// The objects of one ListObjectsV2 page, keys as the bucket names them.
std::vector<ObjectInfo> parse_list_page(std::string_view body);

} // namespace reactor::objects::s3
