#pragma once

#include "reactor/objects/object_store.hpp"

#include <memory>
#include <string>

namespace reactor::objects::s3 {

// Objects in an S3-compatible bucket, from a URL
// `s3://bucket/prefix?endpoint=http://host:port&region=us-east-1&path_style=true`
// (every parameter optional; the endpoint defaults to AWS, the region to AWS_REGION or
// us-east-1, addressing to path-style when an endpoint is given and virtual-hosted
// otherwise). Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the
// optional AWS_SESSION_TOKEN. Fails on a malformed URL or missing credentials; never
// contacts the endpoint.
util::Result<std::unique_ptr<ObjectStore>> create_store(const std::string& url);

} // namespace reactor::objects::s3
