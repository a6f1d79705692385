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
/// The load side of <c>bench/peers/remote-write.sh</c>: writes node-exporter-like remote-write 1.0 payloads (or, with
/// <c>--format text</c>, the same samples as Prometheus text with millisecond timestamps for
/// <c>/api/v1/import/prometheus</c>) to files once (<c>remote-write-generate</c>), then replays them against a receiver
/// with N concurrent senders (<c>remote-write-send</c>), so every server receives byte-identical requests.
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
                    options.GetValueOrDefault("job", "node"), options.GetValueOrDefault("format", "remote-write") == "text");
                return 0;
            case "remote-write-profile":
                Profile(options["dir"], options.GetValueOrDefault("data"), Int("repeat", 1));
                return 0;
            case "remote-write-send":
                return await SendAsync(options["url"], options["dir"], Int("senders", 1)).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync($"unknown command {args[0]}").ConfigureAwait(false);
                return 2;
        }
    }

    /// <summary>
    /// Writes <c>g{group}/{round}.bin</c>: each a snappy-compressed WriteRequest of one batch of series, one sample each;
    /// or <c>g{group}/{round}.txt</c>, the same samples in the text format, when <paramref name="text"/>.
    /// </summary>
    private static void Generate(string dir, int series, int samples, int batch, long startMs, int stepMs, string job, bool text)
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
                if (text)
                {
                    File.WriteAllText(Path.Combine(groupDir, $"{round:D5}.txt"), ToText(request));
                    continue;
                }
                File.WriteAllBytes(Path.Combine(groupDir, $"{round:D5}.bin"), Snappier.Snappy.CompressToArray(request.ToByteArray()));
            }
        }
        Console.WriteLine($"{groups} groups x {samples} requests of up to {batch} samples in {dir}");
    }

    /// <summary>A request's samples as text-format lines: <c>name{label="value",...} value timestamp_ms</c>.</summary>
    private static string ToText(WriteRequest request)
    {
        var sb = new System.Text.StringBuilder(request.Timeseries.Count * 100);
        foreach (var ts in request.Timeseries)
        {
            sb.Append(ts.Labels[0].Value).Append('{');
            for (int i = 1; i < ts.Labels.Count; i++)
            {
                sb.Append(i > 1 ? "," : "").Append(ts.Labels[i].Name).Append("=\"").Append(ts.Labels[i].Value).Append('"');
            }
            var sample = ts.Samples[0];
            sb.Append("} ").Append(sample.Value.ToString("R", CultureInfo.InvariantCulture)).Append(' ')
                .Append(sample.Timestamp.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The payload files of a directory written by <see cref="Generate"/>, group by group, in round order.</summary>
    private static List<List<(byte[] Body, bool Text)>> ReadPayloads(string dir)
        => Directory.GetDirectories(dir).Order(StringComparer.Ordinal)
            .Select(d => Directory.GetFiles(d).Where(f => f.EndsWith(".bin", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).Select(f => (File.ReadAllBytes(f), f.EndsWith(".txt", StringComparison.Ordinal))).ToList())
            .ToList();

    /// <summary>
    /// Writes every payload of <paramref name="dir"/> in-process, one after another, into a fresh embedded TSDB in
    /// <paramref name="dataDir"/> (or into an appender that keeps nothing when null) and prints the time per phase:
    /// for profiling the receiver without HTTP (<c>perf record</c> with <c>DOTNET_PerfMapEnabled=1</c>).
    /// </summary>
    private static void Profile(string dir, string? dataDir, int repeat)
    {
        var payloads = ReadPayloads(dir);
        var cpu = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            if (dataDir is not null && Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
            cpu.Add(ProfileOnce(payloads, dataDir));
        }
        if (repeat > 1)
        {
            // Note: on a shared machine the fastest run is the one least disturbed by others; the first one also compiles.
            cpu.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"repeats={repeat} cpu_s_per_1m_min={cpu[0]:F3} cpu_s_per_1m_median={cpu[cpu.Count / 2]:F3}"));
        }
    }

    /// <summary>One pass of <see cref="Profile"/> with fresh storage and receivers; returns CPU seconds per million samples.</summary>
    private static double ProfileOnce(List<List<(byte[] Body, bool Text)>> payloads, string? dataDir)
    {
        using var tsdb = dataDir is null ? null : Tsdb.TsdbStorage.Open(new Tsdb.TsdbOptions { DataDir = dataDir, DisableBackgroundMaintenance = true });
        IAppendable storage = tsdb is null ? new DiscardingAppendable() : tsdb;
        var receiver = new RemoteWriteReceiver(storage, new PushedMetadata(), new PushSeriesCache());
        var text = new TextPushReceiver(storage, new PushedMetadata(), new PushSeriesCache());
        long samples = 0;
        var decompress = new Stopwatch();
        var write = new Stopwatch();
        var cpu0 = Environment.CpuUsage.TotalTime;
        long allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        int rounds = payloads.Max(g => g.Count);
        for (int round = 0; round < rounds; round++)
        {
            foreach (var group in payloads)
            {
                var (body, isText) = group[round];
                if (isText)
                {
                    write.Start();
                    var (stored, error) = text.Write(body, Core.Exposition.ExpositionFormatKind.PrometheusText, [], 0);
                    write.Stop();
                    if (error is not null)
                    {
                        throw new InvalidOperationException(error);
                    }
                    samples += stored;
                    continue;
                }
                decompress.Start();
                var (buffer, length) = RemoteWriteContent.Decompress(body, int.MaxValue);
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
        double cpuSeconds = (Environment.CpuUsage.TotalTime - cpu0).TotalSeconds;
        double allocatedPerSample = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated0) / samples;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"samples={samples} decompress_ms={decompress.Elapsed.TotalMilliseconds:F0} write_ms={write.Elapsed.TotalMilliseconds:F0} ns_per_sample={write.Elapsed.TotalNanoseconds / samples:F0} cpu_s_per_1m={cpuSeconds / samples * 1e6:F2} allocated_bytes_per_sample={allocatedPerSample:F1}"));
        return cpuSeconds / samples * 1e6;
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
        var groups = ReadPayloads(dir);
        long samples = 0;
        foreach (var group in groups)
        {
            foreach (var (payload, text) in group)
            {
                samples += text
                    ? payload.Count(b => b == (byte)'\n')
                    : WriteRequest.Parser.ParseFrom(Snappier.Snappy.DecompressToArray(payload)).Timeseries.Sum(t => t.Samples.Count);
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
                    var (payload, text) = group[round];
                    using var content = new ByteArrayContent(payload);
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                    if (text)
                    {
                        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                    }
                    else
                    {
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                        content.Headers.ContentEncoding.Add("snappy");
                        request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
                    }
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
