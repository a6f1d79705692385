using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;
using Vigil.Collection.Collectors.Host;

namespace Vigil.Collection.Collectors;

/// <summary>
/// Host statistics from <c>/proc</c> and <c>statfs</c> with node_exporter's metric names and labels (CPU, load, memory,
/// disks, filesystems, network, file descriptors, context switches, forks, boot time, uname, time), so node_exporter
/// dashboards and rules work on Vigil's data unchanged.
/// </summary>
/// <remarks>
/// Each part mirrors one node_exporter collector and fails alone: a part whose source cannot be read is skipped,
/// logged once, and reported as <c>node_scrape_collector_success{collector="..."} 0</c>; the others still collect.
/// Not thread-safe; the collection loop calls it from one thread at a time.
/// </remarks>
internal sealed class HostCollector : ICollector
{
    private readonly IHostSubsystem[] _parts;
    private readonly ILogger _logger;
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);

    public HostCollector(HostCollectorOptions options, ILogger logger, TimeProvider? clock = null)
    {
        _logger = logger;
        var procfs = new Procfs(options.ProcPath);
        var regexOptions = RegexOptions.CultureInvariant | RegexOptions.Compiled;
        _parts =
        [
            new CpuSubsystem(procfs),
            new DiskstatsSubsystem(procfs, new Regex(options.DiskDeviceExclude, regexOptions)),
            new FilefdSubsystem(procfs),
            new FilesystemSubsystem(procfs, new Regex(options.FilesystemMountPointsExclude, regexOptions),
                new Regex(options.FilesystemTypesExclude, regexOptions), options.MountTimeout, logger),
            new LoadavgSubsystem(procfs),
            new MeminfoSubsystem(procfs),
            new NetdevSubsystem(procfs, string.IsNullOrEmpty(options.NetworkDeviceExclude) ? null : new Regex(options.NetworkDeviceExclude, regexOptions)),
            new StatSubsystem(procfs),
            new TimeSubsystem(clock ?? TimeProvider.System),
            new UnameSubsystem(),
        ];
    }

    /// <summary>True on platforms the host collector can read (64-bit Linux).</summary>
    public static bool IsSupported => LibC.IsSupported;

    /// <inheritdoc />
    public string Name => "host";

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        var writer = new SampleWriter(appender, timestampMs);
        foreach (var part in _parts)
        {
            long start = Stopwatch.GetTimestamp();
            bool ok;
            try
            {
                part.Collect(writer);
                ok = true;
                if (_failing.Remove(part.Name))
                {
                    _logger.LogInformation("Host collector part {Part} works again", part.Name);
                }
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException
                                           or DllNotFoundException or EntryPointNotFoundException)
            {
                ok = false;
                if (_failing.Add(part.Name))
                {
                    _logger.LogWarning("Host collector part {Part} failed and is skipped until it works: {Error}", part.Name, e.Message);
                }
            }
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            writer.Add("node_scrape_collector_duration_seconds", seconds, "collector", part.Name);
            writer.Add("node_scrape_collector_success", ok ? 1 : 0, "collector", part.Name);
        }
    }
}
