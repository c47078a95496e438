#include "reactor/util/metrics.hpp"

#include <gtest/gtest.h>

namespace reactor::util {
namespace {

TEST(Metrics, WritesFamiliesAndCumulativeHistogramBuckets)
{
  Histogram durations;
  durations.observe_seconds(0.5);
  durations.observe_seconds(7);
  durations.observe_seconds(4000);
  MetricsPage page;
  page.family("reactor_build_duration_seconds", "histogram", "Builds.");
  page.sample("reactor_build_duration_seconds", "phase=\"build\"", durations);
  const std::string& text = page.text();
  EXPECT_TRUE(text.starts_with("# HELP reactor_build_duration_seconds Builds.\n"
                               "# TYPE reactor_build_duration_seconds histogram\n"));
  EXPECT_NE(text.find("reactor_build_duration_seconds_bucket{phase=\"build\",le=\"1\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("reactor_build_duration_seconds_bucket{phase=\"build\",le=\"5\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("reactor_build_duration_seconds_bucket{phase=\"build\",le=\"10\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("reactor_build_duration_seconds_bucket{phase=\"build\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("reactor_build_duration_seconds_sum{phase=\"build\"} 4007.5"),
            std::string::npos);
  EXPECT_NE(text.find("reactor_build_duration_seconds_count{phase=\"build\"} 3\n"),
            std::string::npos);
}

TEST(Metrics, CountersAndGaugesWithAndWithoutLabels)
{
  Counter requests;
  requests.add();
  requests.add(4);
  Gauge open;
  open.add(3);
  open.add(-1);
  MetricsPage page;
  page.sample("requests_total", "", requests.value());
  page.sample("open", "kind=\"ws\"", open.value());
  EXPECT_EQ(page.text(), "requests_total 5\nopen{kind=\"ws\"} 2\n");
}

} // namespace
} // namespace reactor::util
