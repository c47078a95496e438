#include "reactor/objects/s3/xml.hpp"

#include <gtest/gtest.h>

namespace reactor::objects::s3 {
namespace {

TEST(S3Xml, ReadsAnErrorDocumentsElements)
{
  const std::string body = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
                           "<Message>The key does not exist</Message></Error>";
  EXPECT_EQ(xml_element(body, "Code"), "NoSuchKey");
  EXPECT_EQ(xml_element(body, "Message"), "The key does not exist");
  EXPECT_EQ(xml_element(body, "RequestId"), "");
  EXPECT_EQ(xml_element("<Code>unclosed", "Code"), "");
}

TEST(S3Xml, UnescapesTheNamedEntities)
{
  EXPECT_EQ(xml_unescape("a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;"), "a&b <c> \"d\" 'e'");
  EXPECT_EQ(xml_unescape("R&D &unknown; &"), "R&D &unknown; &");
}

TEST(S3Xml, ReadsAListPage)
{
  const std::string body =
    "<ListBucketResult><IsTruncated>false</IsTruncated>"
    "<Contents><Key>blobs/a&amp;b</Key><LastModified>2024-05-01T12:00:00.250Z</LastModified>"
    "<Size>42</Size></Contents>"
    "<Contents><Key>manifests/x.json</Key><LastModified>not a date</LastModified>"
    "<Size>7</Size></Contents></ListBucketResult>";
  const auto objects = parse_list_page(body);
  ASSERT_EQ(objects.size(), 2U);
  EXPECT_EQ(objects[0].key, "blobs/a&b");
  EXPECT_EQ(objects[0].size, 42U);
  EXPECT_EQ(
    std::chrono::duration_cast<std::chrono::milliseconds>(objects[0].modified.time_since_epoch())
      .count(),
    1714564800250);
  EXPECT_EQ(objects[1].key, "manifests/x.json");
  EXPECT_EQ(objects[1].modified, std::chrono::system_clock::time_point::max())
    << "an unreadable date counts as new: the sweep spares it";
  EXPECT_TRUE(parse_list_page("<ListBucketResult></ListBucketResult>").empty());
}

// Found by fuzz/s3_xml: a year past 2262 overflowed the conversion to nanoseconds.
TEST(S3Xml, AnOutOfRangeDateCountsAsUnreadable)
{
  const auto objects = parse_list_page(
    "<Contents><Key>a</Key><LastModified>99999-99-99T99:99:99.9Z</LastModified></Contents>"
    "<Contents><Key>b</Key><LastModified>2024-13-01T00:00:00Z</LastModified></Contents>"
    "<Contents><Key>c</Key><LastModified>2024-05-01T12:00:00.5000Z</LastModified></Contents>");
  ASSERT_EQ(objects.size(), 3U);
  for (const auto& object : objects) {
    EXPECT_EQ(object.modified, std::chrono::system_clock::time_point::max()) << object.key;
  }
}

} // namespace
} // namespace reactor::objects::s3
