#include "reactor/api/handlers.hpp"

#include <boost/json/serialize.hpp>

namespace reactor::api {

namespace {

boost::json::object
report_json(const gc::GcReport& report, bool dry_run)
{
  return {
    { "dryRun", dry_run },
    { "deploymentsDeleted", report.deployments.deployments_deleted },
    { "blobsDeleted", report.objects.blobs_deleted },
    { "bytesFreed", report.objects.bytes_freed },
    { "manifestsDeleted", report.objects.manifests_deleted },
    { "blobsKept", report.objects.blobs_kept },
    { "dependencyCacheEntriesDeleted", report.dependency_cache.entries },
    { "dependencyCacheBytesFreed", report.dependency_cache.bytes },
  };
}

} // namespace

net::Response
collect_garbage(const net::Request& request, ApiContext& context)
{
  if (context.collector == nullptr) {
    return net::json_error(503, "Garbage collection does not run on this node");
  }
  const auto dry_run_text = request.query("dryRun");
  const bool dry_run = dry_run_text && (*dry_run_text == "1" || *dry_run_text == "true");
  auto report = context.collector->run(dry_run, true);
  if (!report) {
    return net::json_error(503, "Garbage collection failed: " + report.error().message);
  }
  return net::json_response(200, boost::json::serialize(report_json(*report, dry_run)));
}

} // namespace reactor::api
