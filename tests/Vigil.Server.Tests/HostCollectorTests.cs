using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Collection.Collectors;
using Vigil.Collection.Collectors.Host;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

public sealed class HostCollectorTests : IDisposable
{
    private readonly string _proc = Directory.CreateTempSubdirectory("vigil-proc-").FullName;

    public void Dispose() => Directory.Delete(_proc, recursive: true);

    private void Write(string relative, string content)
    {
        string path = Path.Combine(_proc, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private void WriteFixture(string spaceDir)
    {
        Write("stat",
            "cpu  1000 20 300 40000 50 0 6 7 0 0\n" +
            "cpu0 500 10 150 20000 25 0 3 4 8 9\n" +
            "cpu1 500 10 150 20000 25 0 3 3 0 0\n" +
            "intr 12345 1 2 3\n" +
            "ctxt 987654\n" +
            "btime 1700000000\n" +
            "processes 4321\n" +
            "procs_running 3\n" +
            "procs_blocked 1\n" +
            "softirq 1 2 3\n");
        Write("loadavg", "0.50 0.25 0.125 2/345 6789\n");
        Write("meminfo",
            "MemTotal:       16000000 kB\n" +
            "MemAvailable:    8000000 kB\n" +
            "Active(anon):     100000 kB\n" +
            "HugePages_Total:       4\n" +
            "Hugepagesize:       2048 kB\n");
        Write("sys/fs/file-nr", "1024\t0\t9223372036854775807\n");
        Write("diskstats",
            "   8       0 sda 100 2 800 30 200 4 1600 50 1 70 90 5 6 16 8 9 10\n" +
            "   8       1 sda1 50 1 400 15 100 2 800 25 0 35 45 0 0 0 0 0 0\n" +
            "   7       0 loop0 1 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n" +
            " 253       0 zram0 1 0 2 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n" +
            " 259       0 nvme0n1 7 0 8 0 0 0 0 0 0 0 0\n");
        Write("net/dev",
            "Inter-|   Receive                                                |  Transmit\n" +
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
            "    lo:  100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0\n" +
            "  eth0: 5000 40 1 2 3 4 5 6 7000 50 7 8 9 10 11 12\n");
        string escaped = spaceDir.Replace(" ", "\\040", StringComparison.Ordinal);
        Write("1/mounts",
            "/dev/root / ext4 rw,relatime 0 0\n" +
            "proc /proc proc rw 0 0\n" +
            "tmpfs /dev/shm tmpfs rw 0 0\n" +
            "overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0\n" +
            "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n" +
            "/dev/root / ext4 rw,relatime 0 0\n" +
            $"/dev/vdb {escaped} ext4 rw 0 0\n" +
            "/dev/gone /nonexistent/vigil-test-mount xfs rw 0 0\n");
    }

    private CapturingAppender CollectFixture(out string spaceDir)
    {
        spaceDir = Path.Combine(_proc, "with space");
        Directory.CreateDirectory(spaceDir);
        WriteFixture(spaceDir);
        var collector = new HostCollector(new HostCollectorOptions { ProcPath = _proc }, NullLogger.Instance);
        var app = new CapturingAppender();
        collector.Collect(app, 1_700_000_123_000);
        return app;
    }

    [Fact]
    public void Collect_Fixture_ProducesNodeExporterNamesAndValues()
    {
        var app = CollectFixture(out _);
        double hz = Procfs.UserHz;

        Assert.All(app.Samples, s => Assert.Equal(1_700_000_123_000, s.T));
        Assert.Equal(16, app.Find("node_cpu_seconds_total").Count);
        Assert.Equal(20000 / hz, app.Value("node_cpu_seconds_total", "cpu", "0", "mode", "idle"));
        Assert.Equal(4 / hz, app.Value("node_cpu_seconds_total", "cpu", "0", "mode", "steal"));
        Assert.Equal(8 / hz, app.Value("node_cpu_guest_seconds_total", "cpu", "0", "mode", "user"));
        Assert.Equal(987654, app.Value("node_context_switches_total"));
        Assert.Equal(4321, app.Value("node_forks_total"));
        Assert.Equal(12345, app.Value("node_intr_total"));
        Assert.Equal(1_700_000_000, app.Value("node_boot_time_seconds"));
        Assert.Equal(3, app.Value("node_procs_running"));
        Assert.Equal(1, app.Value("node_procs_blocked"));
        Assert.Equal(0.125, app.Value("node_load15"));
        Assert.Equal(16000000.0 * 1024, app.Value("node_memory_MemTotal_bytes"));
        Assert.Equal(100000.0 * 1024, app.Value("node_memory_Active_anon_bytes"));
        Assert.Equal(4, app.Value("node_memory_HugePages_Total"));
        Assert.Equal(1024, app.Value("node_filefd_allocated"));
        Assert.Equal(9223372036854775807.0, app.Value("node_filefd_maximum"));
    }

    [Fact]
    public void Collect_Diskstats_ConvertsUnitsAndSkipsPartitionsAndVirtualDevices()
    {
        var app = CollectFixture(out _);
        Assert.Equal(["nvme0n1", "sda"], app.Find("node_disk_reads_completed_total").Select(s => s.Labels.Get("device")).Order(StringComparer.Ordinal));
        Assert.Equal(800 * 512.0, app.Value("node_disk_read_bytes_total", "device", "sda"));
        Assert.Equal(1600 * 512.0, app.Value("node_disk_written_bytes_total", "device", "sda"));
        Assert.Equal(0.03, app.Value("node_disk_read_time_seconds_total", "device", "sda"), 12);
        Assert.Equal(0.07, app.Value("node_disk_io_time_seconds_total", "device", "sda"), 12);
        Assert.Equal(1, app.Value("node_disk_io_now", "device", "sda"));
        Assert.Equal(16, app.Value("node_disk_discarded_sectors_total", "device", "sda"));
        Assert.Equal(9, app.Value("node_disk_flush_requests_total", "device", "sda"));
        // An older kernel's 11-column line has no discard or flush columns.
        Assert.Empty(app.Find("node_disk_flush_requests_total", "device", "nvme0n1"));
    }

    [Fact]
    public void Collect_Netdev_AllSixteenCountersPerDevice()
    {
        var app = CollectFixture(out _);
        Assert.Equal(2 * 16, app.Samples.Count(s => s.Labels.Name.StartsWith("node_network_", StringComparison.Ordinal)));
        Assert.Equal(5000, app.Value("node_network_receive_bytes_total", "device", "eth0"));
        Assert.Equal(1, app.Value("node_network_receive_errs_total", "device", "eth0"));
        Assert.Equal(2, app.Value("node_network_receive_drop_total", "device", "eth0"));
        Assert.Equal(6, app.Value("node_network_receive_multicast_total", "device", "eth0"));
        Assert.Equal(50, app.Value("node_network_transmit_packets_total", "device", "eth0"));
        Assert.Equal(10, app.Value("node_network_transmit_colls_total", "device", "eth0"));
        Assert.Equal(12, app.Value("node_network_transmit_compressed_total", "device", "eth0"));
        Assert.Equal(100, app.Value("node_network_transmit_bytes_total", "device", "lo"));
    }

    [Fact]
    public void Collect_Filesystems_SkipsPseudoAndDuplicatesUnescapesAndFlagsErrors()
    {
        var app = CollectFixture(out string spaceDir);
        var sizes = app.Find("node_filesystem_size_bytes");
        Assert.Equal(["/", spaceDir], sizes.Select(s => s.Labels.Get("mountpoint")).Order(StringComparer.Ordinal));
        var root = sizes.Single(s => s.Labels.Get("mountpoint") == "/");
        Assert.Equal("/dev/root", root.Labels.Get("device"));
        Assert.Equal("ext4", root.Labels.Get("fstype"));
        Assert.True(root.V > 0);
        Assert.True(app.Value("node_filesystem_avail_bytes", "mountpoint", "/") <= app.Value("node_filesystem_free_bytes", "mountpoint", "/"));
        Assert.Equal(0, app.Value("node_filesystem_device_error", "mountpoint", "/"));
        Assert.Equal(1, app.Value("node_filesystem_device_error", "mountpoint", "/nonexistent/vigil-test-mount"));
        Assert.Empty(app.Find("node_filesystem_size_bytes", "mountpoint", "/nonexistent/vigil-test-mount"));
    }

    [Fact]
    public void Collect_MissingFile_SkipsOnlyThatPartAndReportsItUnsuccessful()
    {
        CollectFixture(out _);
        File.Delete(Path.Combine(_proc, "loadavg"));
        var collector = new HostCollector(new HostCollectorOptions { ProcPath = _proc }, NullLogger.Instance);
        var app = new CapturingAppender();
        collector.Collect(app, 1);
        Assert.Empty(app.Find("node_load1"));
        Assert.Equal(0, app.Value("node_scrape_collector_success", "collector", "loadavg"));
        Assert.Equal(1, app.Value("node_scrape_collector_success", "collector", "meminfo"));
        Assert.NotEmpty(app.Find("node_memory_MemTotal_bytes"));
    }

    [Fact]
    public void Collect_RealProc_ProducesCoreMetrics()
    {
        var collector = new HostCollector(new HostCollectorOptions(), NullLogger.Instance);
        var app = new CapturingAppender();
        collector.Collect(app, 1);
        Assert.Equal(Environment.ProcessorCount * 8, app.Find("node_cpu_seconds_total").Count);
        Assert.True(app.Value("node_memory_MemTotal_bytes") > 0);
        Assert.NotEmpty(app.Find("node_filesystem_size_bytes", "mountpoint", "/"));
        Assert.Equal("Linux", app.Find("node_uname_info").Single().Labels.Get("sysname"));
        Assert.All(app.Find("node_scrape_collector_success"), s => Assert.Equal(1, s.V));
    }

    [Theory]
    [InlineData("/mnt/a\\040b", "/mnt/a b")]
    [InlineData("/mnt/tab\\011x", "/mnt/tab\tx")]
    [InlineData("/mnt/caf\\303\\251", "/mnt/café")]
    [InlineData("/mnt/plain", "/mnt/plain")]
    [InlineData("/mnt/short\\04", "/mnt/short\\04")]
    public void Unescape_OctalEscapes(string raw, string expected) => Assert.Equal(expected, FilesystemSubsystem.Unescape(raw));
}
