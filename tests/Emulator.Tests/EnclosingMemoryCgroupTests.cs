using Pulse.Emulator.Sandbox;

namespace Pulse.Emulator.Tests;

/// <summary>
/// The fallback used inside a container, where the emulator cannot create a memory cgroup: it reads the one it runs
/// in. Exercised against fake cgroup v1 directories (plain files), so no container and no cgroupfs is needed.
/// </summary>
public sealed class EnclosingMemoryCgroupTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pulse-fake-cgroup-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string FakeCgroup(string relative, long limitBytes, long maxUsageBytes = 0, string oomControl = "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n")
    {
        var dir = Path.Combine(_root, relative);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), limitBytes + "\n");
        File.WriteAllText(Path.Combine(dir, "memory.max_usage_in_bytes"), maxUsageBytes + "\n");
        File.WriteAllText(Path.Combine(dir, "memory.oom_control"), oomControl);
        return dir;
    }

    private const string DockerSelfCgroup = "12:pids:/docker/4f1c\n11:memory:/docker/4f1c\n10:cpu,cpuacct:/docker/4f1c\n1:name=systemd:/docker/4f1c\n";

    [Fact]
    public void With_the_hosts_cgroup_namespace_the_container_cgroup_mounted_at_the_root_is_found()
    {
        // Docker on cgroup v1 keeps the host's cgroup namespace: /proc/self/cgroup names /docker/<id>, which does
        // not exist inside the container, whose own memory cgroup is the mount root.
        FakeCgroup("", 128L << 20);
        var found = EnclosingMemoryCgroup.Locate(DockerSelfCgroup, _root);
        Assert.NotNull(found);
        Assert.Equal(Path.GetFullPath(_root), Path.GetFullPath(found.Directory));
    }

    [Fact]
    public void The_cgroup_named_by_proc_self_cgroup_is_preferred_when_it_exists()
    {
        FakeCgroup("", 512L << 20);
        var own = FakeCgroup("docker/4f1c", 128L << 20);
        Assert.Equal(own, EnclosingMemoryCgroup.Locate(DockerSelfCgroup, _root)!.Directory);
    }

    [Theory]
    [InlineData("11:memory:/user.slice\n", 9223372036854771712L)] // unlimited: a host slice shared with everything else
    [InlineData("11:cpu:/x\n0::/x\n", 128L << 20)] // no memory controller line (cgroup v2 only)
    [InlineData("garbage", 128L << 20)]
    [InlineData("11:memory:/../../etc\n", 128L << 20)]
    public void No_cgroup_is_used_when_it_is_unlimited_or_not_named(string selfCgroup, long limit)
    {
        FakeCgroup("", limit);
        Assert.Null(EnclosingMemoryCgroup.Locate(selfCgroup, _root));
    }

    [Fact]
    public void A_resettable_peak_is_reset_per_generation_and_then_read_as_written_by_the_kernel()
    {
        var dir = FakeCgroup("", 128L << 20, maxUsageBytes: 300L << 20);
        var cgroup = new EnclosingMemoryCgroup(dir);
        cgroup.BeginGeneration();
        Assert.Equal("0", File.ReadAllText(Path.Combine(dir, "memory.max_usage_in_bytes")).Trim());
        File.WriteAllText(Path.Combine(dir, "memory.max_usage_in_bytes"), (134_217_728L).ToString());
        Assert.Equal(134_217_728L, cgroup.PeakBytes);
    }

    [Fact]
    public void A_peak_that_cannot_be_reset_counts_only_once_it_rises_above_the_generations_baseline()
    {
        // A read-only numeric file even for root (sysctl mode 0444) stands in for a max_usage_in_bytes on a
        // read-only cgroupfs: the reset fails, the value is the baseline, and an unchanged peak is not reported.
        const string readOnlyNumber = "/proc/sys/kernel/ngroups_max";
        Pulse.Testing.TestEnvironment.RequireOrSkip(File.Exists(readOnlyNumber), $"{readOnlyNumber} is missing");
        var dir = FakeCgroup("", 128L << 20);
        File.Delete(Path.Combine(dir, "memory.max_usage_in_bytes"));
        File.CreateSymbolicLink(Path.Combine(dir, "memory.max_usage_in_bytes"), readOnlyNumber);
        var cgroup = new EnclosingMemoryCgroup(dir);
        Assert.NotNull(cgroup.PeakBytes);
        cgroup.BeginGeneration();
        Assert.Null(cgroup.PeakBytes);
    }

    [Fact]
    public void Oom_kills_are_read_from_oom_control_and_a_malformed_file_counts_none()
    {
        var dir = FakeCgroup("", 128L << 20, oomControl: "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        var cgroup = new EnclosingMemoryCgroup(dir);
        Assert.Equal(3, cgroup.OomKills);
        File.WriteAllText(Path.Combine(dir, "memory.oom_control"), "oom_kill lots\n");
        Assert.Equal(0, cgroup.OomKills);
        File.Delete(Path.Combine(dir, "memory.oom_control"));
        Assert.Equal(0, cgroup.OomKills);
    }
}
