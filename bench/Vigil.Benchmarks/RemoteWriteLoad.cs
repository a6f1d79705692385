using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Google.Protobuf;
using Vigil.Collection.Push;
using Vigil.Collection.Push.RemoteWrite;
using Vigil.Collection.Push.RemoteWrite.V1;
using Vigil.Core.Storage;

namespace Vigil.Benchmarks;

/// <summary>
/// The load side of <c>bench/peers/remote-write.sh</c>: writes node-exporter-like remote-write 1.0 payloads to files
/// once (<c>remote-write-generate</c>), then replays them against a receiver with N concurrent senders
/// (<c>remote-write-send</c>), so every server receives byte-identical requests.
/// </summary>
/// <remarks>
/// Series are split into groups of one batch each; a group always goes to the same sender and its rounds go out in
/// time order, as Prometheus's shards keep a series on one shard, so no receiver ever sees a sample out of order.
/// </remarks>
internal static class RemoteWriteLoad
{
    private static readonly string[] MetricNames =
    [
        "node_cpu_seconds_total", "node_network_receive_bytes_total", "node_network_transmit_bytes_total",
        "node_network_receive_packets_total", "node_network_transmit_packets_total", "node_disk_read_bytes_total",
        "node_disk_written_bytes_total", "node_disk_io_time_seconds_total", "node_disk_reads_completed_total",
        "node_disk_writes_completed_total", "node_filesystem_avail_bytes", "node_filesystem_size_bytes",
        "node_filesystem_files_free", "node_memory_MemAvailable_bytes", "node_memory_Cached_bytes",
        "node_softnet_processed_total", "node_softnet_dropped_total", "node_interrupts_total",
        "node_schedstat_running_seconds_total", "node_schedstat_waiting_seconds_total", "node_hwmon_temp_celsius",
        "node_netstat_Tcp_InSegs", "node_netstat_Tcp_OutSegs", "node_vmstat_pgfault", "node_context_switches_total",
    ];

    /// <summary>Runs a command; returns null when <paramref name="args"/> is not one of these commands.</summary>
    public static async Task<int?> RunAsync(string[] args)
    {
        if (args.Length == 0 || !args[0].StartsWith("remote-write-", StringComparison.Ordinal))
        {
            return null;
        }
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        int Int(string name, int fallback) => options.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        long Long(string name) => long.Parse(options[name], CultureInfo.InvariantCulture);
        switch (args[0])
        {
            case "remote-write-generate":
                Generate(options["out"], Int("series", 16_000), Int("samples", 120), Int("batch", 2_000), Long("start-ms"), Int("step-ms", 5_000),
                    options.GetValueOrDefault("job", "node"));
                return 0;
            case "remote-write-profile":
                Profile(options["dir"], options.GetValueOrDefault("data"));
                return 0;
            case "remote-write-send":
                return await SendAsync(options["url"], options["dir"], Int("senders", 1)).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"unknown command {args[0]}").ConfigureAwait(false);
                return 2;
        }
    }

    /// <summary>Writes <c>g{group}/{round}.bin</c>: each a snappy-compressed WriteRequest of one batch of series, one sample each.</summary>
    private static void Generate(string dir, int series, int samples, int batch, long startMs, int stepMs, string job)
    {
        int groups = (series + batch - 1) / batch;
        for (int g = 0; g < groups; g++)
        {
            string groupDir = Path.Combine(dir, $"g{g:D3}");
            Directory.CreateDirectory(groupDir);
            var labels = new List<Label[]>();
            for (int s = g * batch; s < Math.Min(series, (g + 1) * batch); s++)
            {
                int instance = s / 400, k = s % 400;
                labels.Add(
                [
                    new Label { Name = "__name__", Value = MetricNames[k % MetricNames.Length] },
                    new Label { Name = "device", Value = $"dev{k / MetricNames.Length}" },
                    new Label { Name = "instance", Value = $"host-{instance:D3}:9100" },
                    new Label { Name = "job", Value = job },
                ]);
            }
            for (int round = 0; round < samples; round++)
            {
                var request = new WriteRequest();
                for (int i = 0; i < labels.Count; i++)
                {
                    int s = (g * batch) + i;
                    // Counters that grow by a per-series rate with a little jitter, like real node_exporter data.
                    double value = Math.Round((s * 1000.0) + (round * (1 + (s % 97))) + ((s * 7 + round * 13) % 10 / 10.0), 2);
                    var ts = new TimeSeries { Labels = { labels[i] } };
                    ts.Samples.Add(new Sample { Timestamp = startMs + ((long)round * stepMs), Value = value });
                    request.Timeseries.Add(ts);
                }
                File.WriteAllBytes(Path.Combine(groupDir, $"{round:D5}.bin"), Snappier.Snappy.CompressToArray(request.ToByteArray()));
            }
        }
        Console.WriteLine($"{groups} groups x {samples} requests of up to {batch} samples in {dir}");
    }

    /// <summary>
    /// Writes every payload of <paramref name="dir"/> in-process, one after another, into a fresh embedded TSDB in
    /// <paramref name="dataDir"/> (or into an appender that keeps nothing when null) and prints the time per phase:
    /// for profiling the receiver without HTTP (<c>perf record</c> with <c>DOTNET_PerfMapEnabled=1</c>).
    /// </summary>
    private static void Profile(string dir, string? dataDir)
    {
        var payloads = Directory.GetDirectories(dir).Order(StringComparer.Ordinal)
            .Select(d => Directory.GetFiles(d, "*.bin").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList())
            .ToList();
        using var tsdb = dataDir is null ? null : Tsdb.TsdbStorage.Open(new Tsdb.TsdbOptions { DataDir = dataDir, DisableBackgroundMaintenance = true });
        IAppendable storage = tsdb is null ? new DiscardingAppendable() : tsdb;
        var receiver = new RemoteWriteReceiver(storage, new PushedMetadata(), new RemoteWriteSeriesCache());
        long samples = 0;
        var decompress = new Stopwatch();
        var write = new Stopwatch();
        int rounds = payloads.Max(g => g.Count);
        for (int round = 0; round < rounds; round++)
        {
            foreach (var group in payloads)
            {
                decompress.Start();
                var (buffer, length) = RemoteWriteContent.Decompress(group[round], int.MaxValue);
                decompress.Stop();
                write.Start();
                var result = receiver.Write(buffer.AsSpan(0, length), RemoteWriteProtocol.V1);
                write.Stop();
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                if (result.Error is not null)
                {
                    throw new InvalidOperationException(result.Error);
                }
                samples += result.Samples;
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"samples={samples} decompress_ms={decompress.Elapsed.TotalMilliseconds:F0} write_ms={write.Elapsed.TotalMilliseconds:F0} ns_per_sample={write.Elapsed.TotalNanoseconds / samples:F0}"));
    }

    /// <summary>Accepts every sample and keeps nothing: the receiver's own cost.</summary>
    private sealed class DiscardingAppendable : IAppendable, IAppender
    {
        public IAppender Appender() => this;

        public bool TryAppend(ref SeriesRef seriesRef, Core.Labels.LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            seriesRef = new SeriesRef(1);
            error = AppendError.None;
            return true;
        }

        public void Commit()
        {
        }

        public void Rollback()
        {
        }
    }

    private static async Task<int> SendAsync(string url, string dir, int senders)
    {
        var groups = Directory.GetDirectories(dir).Order(StringComparer.Ordinal)
            .Select(d => Directory.GetFiles(d, "*.bin").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList())
            .ToList();
        long samples = 0;
        foreach (var group in groups)
        {
            foreach (byte[] payload in group)
            {
                samples += WriteRequest.Parser.ParseFrom(Snappier.Snappy.DecompressToArray(payload)).Timeseries.Sum(t => t.Samples.Count);
            }
        }
        long errors = 0;
        string? firstError = null;
        var watch = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, senders).Select(sender => Task.Run(async () =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            var mine = groups.Where((_, g) => g % senders == sender).ToList();
            int rounds = mine.Count == 0 ? 0 : mine.Max(g => g.Count);
            for (int round = 0; round < rounds; round++)
            {
                foreach (var group in mine)
                {
                    if (round >= group.Count)
                    {
                        continue;
                    }
                    using var content = new ByteArrayContent(group[round]);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                    content.Headers.ContentEncoding.Add("snappy");
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                    request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
                    using var response = await http.SendAsync(request).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                        string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                        Interlocked.CompareExchange(ref firstError, $"{(int)response.StatusCode}: {body}", null);
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        watch.Stop();
        int requests = groups.Sum(g => g.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"samples={samples} requests={requests} errors={errors} seconds={watch.Elapsed.TotalSeconds:F3}"));
        if (firstError is not null)
        {
            await Console.Error.WriteLineAsync("first error: " + firstError).ConfigureAwait(false);
        }
        return errors == 0 ? 0 : 1;
    }
}
