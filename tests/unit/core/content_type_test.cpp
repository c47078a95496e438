#include "reactor/core/content_type.hpp"

#include <gtest/gtest.h>

namespace reactor::core {

TEST(ContentType, ByExtensionIgnoringCase)
{
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("assets/INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("assets/app-1a2b.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("a.js.map"), "application/json");
  EXPECT_EQ(content_type_for("logo.SVG"), "image/svg+xml");
  EXPECT_EQ(content_type_for("photo.jpeg"), "image/jpeg");
  EXPECT_EQ(content_type_for("font.woff2"), "font/woff2");
  EXPECT_EQ(content_type_for("site.webmanifest"), "application/manifest+json");
  EXPECT_EQ(content_type_for("app.wasm"), "application/wasm");
  EXPECT_EQ(content_type_for("song.mp3"), "audio/mpeg");
}

TEST(ContentType, DefaultsToOctetStream)
{
  EXPECT_EQ(content_type_for("LICENSE"), "application/octet-stream");
  EXPECT_EQ(content_type_for("archive.tar.zst"), "application/octet-stream");
  EXPECT_EQ(content_type_for("dir.html/file"), "application/octet-stream");
  EXPECT_EQ(content_type_for("trailing."), "application/octet-stream");
  EXPECT_EQ(content_type_for(""), "application/octet-stream");
}

} // namespace reactor::core
