#include "reactor/cli/format.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace reactor::cli {

namespace {

boost::json::object
object(std::string_view json)
{
  return boost::json::parse(json).as_object();
}

boost::json::array
array(std::string_view json)
{
  return boost::json::parse(json).as_array();
}

} // namespace

TEST(ShortTime, ShowsDateAndTimeWithoutFractionsOrZone)
{
  EXPECT_EQ(short_time("2026-11-26T01:10:33.123Z"), "2026-11-26 01:10:33");
  EXPECT_EQ(short_time("2026-11-26T01:10:33Z"), "2026-11-26 01:10:33");
  EXPECT_EQ(short_time("yesterday"), "yesterday");
  EXPECT_EQ(short_time(""), "");
}

TEST(TextOf, ReadsStringsAsTheyAreAndOtherValuesAsJson)
{
  const auto fields = object(R"({"s": "text", "n": 3, "b": true, "z": null})");
  EXPECT_EQ(text_of(fields, "s"), "text");
  EXPECT_EQ(text_of(fields, "n"), "3");
  EXPECT_EQ(text_of(fields, "b"), "true");
  EXPECT_EQ(text_of(fields, "z"), "");
  EXPECT_EQ(text_of(fields, "missing"), "");
}

TEST(Table, PadsEachColumnButTheLastToItsWidestCell)
{
  EXPECT_EQ(table({ { "ID", "STATUS", "NOTE" }, { "abc", "DEPLOYED", "x" }, { "a", "", "long" } }),
            "ID   STATUS    NOTE\n"
            "abc  DEPLOYED  x\n"
            "a              long\n");
  EXPECT_EQ(table({ { "one" }, { "a", "b" } }),
            "one\n"
            "a    b\n");
  EXPECT_EQ(table({}), "");
}

TEST(DeploymentsTable, ShowsOneRowPerDeploymentWithItsDurationUrlAndRef)
{
  const auto deployments = array(R"([
    {"id": "a1b2c3d4e5", "status": "DEPLOYED", "phase": null,
     "createdAt": "2026-11-26T01:10:33.123Z", "repoUrl": "https://example.com/site.git",
     "ref": "main", "url": "http://a1b2c3d4e5.localhost:3000",
     "build": {"durationsMs": {"queue": 9000, "clone": 200, "install": 3000, "build": 1050, "upload": 90, "commands": 3800}}},
    "not an object",
    {"id": "f6g7h8i9j0", "status": "PENDING", "phase": null, "build": {"durationsMs": {}},
     "createdAt": "2026-11-26T01:11:00.000Z", "repoUrl": "https://example.com/other.git",
     "url": "http://f6g7h8i9j0.localhost:3000"}
  ])");
  EXPECT_EQ(deployments_table(deployments),
            "ID          STATUS    PHASE  DURATION  CREATED              URL"
            "                               REPOSITORY\n"
            "a1b2c3d4e5  DEPLOYED  -      4.3 s     2026-11-26 01:10:33  "
            "http://a1b2c3d4e5.localhost:3000  https://example.com/site.git#main\n"
            "f6g7h8i9j0  PENDING   -      -         2026-11-26 01:11:00  "
            "http://f6g7h8i9j0.localhost:3000  https://example.com/other.git\n");
}

TEST(DeploymentFields, ShowsEveryFieldAndADashForThoseNotSet)
{
  const auto deployment = object(R"({
    "id": "a1b2c3d4e5", "status": "ERROR", "phase": "building", "error": "npm failed",
    "repoUrl": "https://example.com/site.git", "ref": null, "commit": "",
    "url": "http://a1b2c3d4e5.localhost:3000", "createdAt": "2026-11-26T01:10:33.123Z",
    "updatedAt": "2026-11-26T01:12:00.000Z"
  })");
  EXPECT_EQ(deployment_fields(deployment),
            "id          a1b2c3d4e5\n"
            "status      ERROR\n"
            "phase       building\n"
            "error       npm failed\n"
            "repository  https://example.com/site.git\n"
            "ref         -\n"
            "commit      -\n"
            "url         http://a1b2c3d4e5.localhost:3000\n"
            "created     2026-11-26 01:10:33\n"
            "updated     2026-11-26 01:12:00\n");
}

TEST(DeploymentFields, ShowsTheQueueWhileQueued)
{
  const auto deployment = object(R"json({
    "id": "a1b2c3d4e5", "status": "PENDING", "repoUrl": "https://example.com/site.git",
    "queuePosition": 2, "queueReason": "waiting for a free worker (1 build running, 1 deployment ahead)"
  })json");
  EXPECT_EQ(queue_place(deployment),
            "#2, waiting for a free worker (1 build running, 1 deployment ahead)");
  EXPECT_TRUE(deployment_fields(deployment)
                .starts_with("id          a1b2c3d4e5\n"
                             "status      PENDING\n"
                             "queue       #2, waiting for a free worker (1 build running, 1 "
                             "deployment ahead)\n"))
    << deployment_fields(deployment);
  EXPECT_EQ(queue_place(object(R"({"queuePosition": null})")), "");
}

TEST(DeadLettersTable, ShowsOneRowPerDeadLetter)
{
  const auto letters = array(R"([
    {"deploymentId": "a1b2c3d4e5", "receives": 3, "deadAt": "2026-11-26T01:10:33.123Z",
     "reason": "the lease expired 3 times"}
  ])");
  EXPECT_EQ(dead_letters_table(letters),
            "DEPLOYMENT  RECEIVES  DEAD SINCE           REASON\n"
            "a1b2c3d4e5  3         2026-11-26 01:10:33  the lease expired 3 times\n");
}

TEST(EnvTable, ShowsNamesAndScopesNeverValues)
{
  const auto variables = array(R"([
    {"name": "API_KEY", "scopes": ["production", "preview"], "updatedAt": "2026-12-05T22:10:33.123Z"},
    {"name": "PREVIEW_URL", "scopes": ["preview"], "updatedAt": "2026-12-05T22:11:00.000Z"}
  ])");
  EXPECT_EQ(env_table(variables),
            "NAME         SCOPES              UPDATED\n"
            "API_KEY      production,preview  2026-12-05 22:10:33\n"
            "PREVIEW_URL  preview             2026-12-05 22:11:00\n");
}

TEST(GcSummary, SaysWhatWentAndTheDependencyCacheOnlyWhenItRan)
{
  const auto answer = object(
    R"({"deploymentsDeleted": 4, "blobsDeleted": 2, "bytesFreed": 1024, "manifestsDeleted": 1,
    "blobsKept": 7, "dependencyCacheEntriesDeleted": 3, "dependencyCacheBytesFreed": 4096})");
  EXPECT_EQ(gc_summary(answer, false),
            "Deleted 4 deployments, 2 blobs (1024 bytes) and 1 manifests; kept 7 blobs; dependency "
            "cache: 3 "
            "entries (4096 bytes)");
  EXPECT_EQ(gc_summary(answer, true),
            "Would delete 4 deployments, 2 blobs (1024 bytes) and 1 manifests; kept 7 blobs");
}

TEST(LogJson, SplitsTheLogAtLineEnds)
{
  EXPECT_EQ(boost::json::parse(log_json("a1b2c3d4e5", "one\ntwo\n\nfour")),
            boost::json::parse(R"({"id": "a1b2c3d4e5", "lines": ["one", "two", "", "four"]})"));
  EXPECT_EQ(boost::json::parse(log_json("a1b2c3d4e5", "one\n")),
            boost::json::parse(R"({"id": "a1b2c3d4e5", "lines": ["one"]})"));
  EXPECT_EQ(boost::json::parse(log_json("a1b2c3d4e5", "")),
            boost::json::parse(R"({"id": "a1b2c3d4e5", "lines": []})"));
}

TEST(ErrorJson, IsOneObjectWithTheMessage)
{
  EXPECT_EQ(error_json("no \"server\""), R"({"error":"no \"server\""})");
}

TEST(JsonLine, EndsWithOneLineEnd)
{
  EXPECT_EQ(json_line(R"({"a":1})"), "{\"a\":1}\n");
  EXPECT_EQ(json_line("{\"a\":1}\n"), "{\"a\":1}\n");
}

} // namespace reactor::cli
