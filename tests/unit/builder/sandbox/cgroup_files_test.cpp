#include "reactor/builder/sandbox/cgroup_files.hpp"

#include <gtest/gtest.h>

namespace reactor::builder::sandbox {

namespace {

constexpr std::string_view k_hybrid_mountinfo =
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
  "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
  "33 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
  "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";

constexpr std::string_view k_hybrid_groups = "9:name=systemd:/\n"
                                             "8:pids:/\n"
                                             "4:memory:/process_api/3d0e\n"
                                             "2:cpu,cpuacct:/\n"
                                             "0::/\n";

} // namespace

TEST(CgroupFiles, ParsesProcCgroup)
{
  const auto groups = parse_proc_cgroup(k_hybrid_groups);
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[2].hierarchy_id, "4");
  EXPECT_EQ(groups[2].controllers, (std::vector<std::string>{ "memory" }));
  EXPECT_EQ(groups[2].path, "/process_api/3d0e");
  EXPECT_EQ(groups[3].controllers, (std::vector<std::string>{ "cpu", "cpuacct" }));
  EXPECT_TRUE(groups[4].controllers.empty());
  EXPECT_EQ(groups[4].path, "/");
}

TEST(CgroupFiles, ParsesCgroupMounts)
{
  const auto mounts = parse_cgroup_mounts(k_hybrid_mountinfo);
  ASSERT_EQ(mounts.size(), 4u);
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/memory");
  EXPECT_FALSE(mounts[0].unified);
  EXPECT_EQ(mounts[0].controllers, (std::vector<std::string>{ "rw", "memory" }));
  EXPECT_TRUE(mounts[3].unified);
  EXPECT_EQ(mounts[3].mount_point, "/sys/fs/cgroup/unified");

  const auto escaped = parse_cgroup_mounts(
    "50 1 0:40 /a /mnt/cg\\040root rw shared:5 - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_EQ(escaped.size(), 1u);
  EXPECT_EQ(escaped[0].mount_point, "/mnt/cg root");
  EXPECT_EQ(escaped[0].root, "/a");
}

TEST(CgroupFiles, FindsTheProcessGroupBelowEachMount)
{
  const auto mounts = parse_cgroup_mounts(k_hybrid_mountinfo);
  const auto groups = parse_proc_cgroup(k_hybrid_groups);
  EXPECT_EQ(group_directory(mounts, groups, "memory"), "/sys/fs/cgroup/memory/process_api/3d0e");
  EXPECT_EQ(group_directory(mounts, groups, "pids"), "/sys/fs/cgroup/pids");
  EXPECT_EQ(group_directory(mounts, groups, ""), "/sys/fs/cgroup/unified");
  EXPECT_EQ(group_directory(mounts, groups, "blkio"), std::nullopt);

  // A container whose mount shows only its own part of the hierarchy.
  const auto container =
    parse_cgroup_mounts("60 1 0:50 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(group_directory(container, parse_proc_cgroup("0::/docker/abc/build\n"), ""),
            "/sys/fs/cgroup/build");
  EXPECT_EQ(group_directory(container, parse_proc_cgroup("0::/docker/abc\n"), ""),
            "/sys/fs/cgroup");
  EXPECT_EQ(group_directory(container, parse_proc_cgroup("0::/docker/abcdef\n"), ""), std::nullopt);
}

TEST(CgroupFiles, ReadsCountersListsAndPids)
{
  EXPECT_EQ(read_key("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill"), 3u);
  EXPECT_EQ(read_key("low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n", "max"), 12u);
  EXPECT_EQ(read_key("max 2\n", "oom_kill"), 0u);
  EXPECT_TRUE(has_words("cpuset cpu io memory hugetlb pids rdma\n", { "memory", "pids" }));
  EXPECT_FALSE(has_words("hugetlb\n", { "memory", "pids" }));
  EXPECT_FALSE(has_words("", { "memory" }));
  EXPECT_EQ(parse_pids("12\n345\n\n"), (std::vector<int>{ 12, 345 }));
}

} // namespace reactor::builder::sandbox
