using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Collection.Collectors;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>
/// Runs Debian's prometheus-node-exporter on a free loopback port and checks that Vigil's host collector speaks the
/// same language: every metric name Vigil writes exists there with the same label names, and stable values agree.
/// </summary>
public sealed class NodeExporterComparisonTests
{
    private static readonly string[] TargetLabels = ["job", "instance"];

    [Fact]
    public async Task HostCollector_MatchesNodeExporterNamesLabelsAndStableValues()
    {
        string exe = Processes.FindExecutable("prometheus-node-exporter", "node_exporter")
            ?? throw new InvalidOperationException("prometheus-node-exporter is not installed; ./test.sh installs it (apt-get install prometheus-node-exporter)");
        var options = new HostCollectorOptions();
        int port = Processes.FreePort();
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Same exclusions on both sides, so the two should see the same devices and mounts.
        psi.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        psi.ArgumentList.Add($"--collector.diskstats.device-exclude={options.DiskDeviceExclude}");
        psi.ArgumentList.Add($"--collector.filesystem.mount-points-exclude={options.FilesystemMountPointsExclude}");
        psi.ArgumentList.Add($"--collector.filesystem.fs-types-exclude={options.FilesystemTypesExclude}");
        psi.ArgumentList.Add("--collector.netdev.device-exclude=^$");
        var output = new StringBuilder();
        using var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            string url = $"http://127.0.0.1:{port}/metrics";
            await Processes.WaitForHttpAsync(http, url, process, () => { lock (output) { return output.ToString(); } }, TimeSpan.FromSeconds(15));

            var vigil = new CapturingAppender();
            new HostCollector(options, NullLogger.Instance).Collect(vigil, 1);
            var ne = TextFormat.Parse(await http.GetStringAsync(url));

            var neLabelNames = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var s in ne)
            {
                if (!neLabelNames.TryGetValue(s.Name, out var set))
                {
                    neLabelNames[s.Name] = set = new HashSet<string>(StringComparer.Ordinal);
                }
                set.Add(string.Join(",", s.Labels.Keys.Order(StringComparer.Ordinal)));
            }
            var problems = new List<string>();
            foreach (var group in vigil.Samples.GroupBy(s => s.Labels.Name))
            {
                if (!neLabelNames.TryGetValue(group.Key, out var neSets))
                {
                    problems.Add($"{group.Key}: not exported by node_exporter");
                    continue;
                }
                foreach (var s in group)
                {
                    string names = string.Join(",", s.Labels.Select(l => l.Name).Where(n => n != LabelSet.MetricName && !TargetLabels.Contains(n)).Order(StringComparer.Ordinal));
                    if (!neSets.Contains(names))
                    {
                        problems.Add($"{group.Key}: labels ({names}) but node_exporter has ({string.Join(" | ", neSets)})");
                        break;
                    }
                }
            }
            Assert.True(problems.Count == 0, "Vigil's host metrics differ from node_exporter's:\n" + string.Join("\n", problems));

            double NeValue(string name) => ne.Single(s => s.Name == name).Value;
            Assert.Equal(NeValue("node_memory_MemTotal_bytes"), vigil.Value("node_memory_MemTotal_bytes"));
            Assert.Equal(NeValue("node_boot_time_seconds"), vigil.Value("node_boot_time_seconds"));
            Assert.Equal(NeValue("node_memory_SwapTotal_bytes"), vigil.Value("node_memory_SwapTotal_bytes"));

            static List<string> Values(IEnumerable<string> v) => v.Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.Equal(
                Values(ne.Where(s => s.Name == "node_cpu_seconds_total").Select(s => s.Labels["cpu"])),
                Values(vigil.Find("node_cpu_seconds_total").Select(s => s.Labels.Get("cpu"))));
            Assert.Equal(
                Values(ne.Where(s => s.Name == "node_disk_reads_completed_total").Select(s => s.Labels["device"])),
                Values(vigil.Find("node_disk_reads_completed_total").Select(s => s.Labels.Get("device"))));
            Assert.Equal(
                Values(ne.Where(s => s.Name == "node_network_receive_bytes_total").Select(s => s.Labels["device"])),
                Values(vigil.Find("node_network_receive_bytes_total").Select(s => s.Labels.Get("device"))));

            var neSizes = ne.Where(s => s.Name == "node_filesystem_size_bytes")
                .ToDictionary(s => (s.Labels["device"], s.Labels["fstype"], s.Labels["mountpoint"]), s => s.Value);
            var vigilSizes = vigil.Find("node_filesystem_size_bytes")
                .ToDictionary(s => (s.Labels.Get("device"), s.Labels.Get("fstype"), s.Labels.Get("mountpoint")), s => s.V);
            Assert.NotEmpty(vigilSizes);
            Assert.Equal(neSizes.Keys.Order(), vigilSizes.Keys.Order());
            foreach (var (key, size) in neSizes)
            {
                Assert.Equal(size, vigilSizes[key]);
            }

            // Counters move between the two reads; they must agree within a few seconds' worth of change.
            double neCtxt = NeValue("node_context_switches_total");
            double vigilCtxt = vigil.Value("node_context_switches_total");
            Assert.InRange(vigilCtxt, neCtxt * 0.5, neCtxt * 1.5);
            Assert.InRange(vigil.Value("node_memory_MemAvailable_bytes"), NeValue("node_memory_MemAvailable_bytes") * 0.8, NeValue("node_memory_MemAvailable_bytes") * 1.2);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }
}
