// S3's XML answers, as the S3 store reads them: a ListObjectsV2 page and an error
// document's Code and Message.
#include "reactor/objects/s3/xml.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace reactor::objects::s3;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  for (const auto& object : parse_list_page(body)) {
    if (object.key.size() > size) {
      std::abort();
    }
  }
  xml_element(body, "Code");
  if (xml_unescape(xml_element(body, "Message")).size() > size) {
    std::abort();
  }
  xml_element(body, "NextContinuationToken");
  return 0;
}
