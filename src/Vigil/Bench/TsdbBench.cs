using System.Diagnostics;
using System.Text.Json.Nodes;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb;
using Vigil.Tsdb.Wal;

namespace Vigil.Bench;

/// <summary>The end-to-end TSDB benchmark behind <c>vigil bench tsdb</c>; results as JSON.</summary>
internal sealed class TsdbBench
{
    private readonly int _series;
    private readonly int _samples;
    private readonly string _workDir;
    private readonly WalSyncMode _sync;

    public TsdbBench(int series, int samplesPerSeries, string workDir, WalSyncMode sync)
    {
        _series = series;
        _samples = samplesPerSeries;
        _workDir = workDir;
        _sync = sync;
    }

    public JsonObject Run(Action<string> progress)
    {
        var result = new JsonObject
        {
            ["machine"] = MachineInfo(),
            ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["series"] = _series,
            ["samples_per_series"] = _samples,
            ["wal_sync"] = _sync.ToString().ToLowerInvariant(),
        };
        var data = new SyntheticNodeData(_series);
        foreach (int writers in new[] { 1, 2 })
        {
            progress($"append: {writers} writer(s)");
            var m = MeasureAppend(data, writers);
            result[$"append_samples_per_sec_{writers}_writers"] = Math.Round(m.AppendRate);
            result[$"append_samples_per_cpu_sec_{writers}_writers"] = Math.Round(m.AppendCpuRate);
            if (writers == 1)
            {
                result["head_bytes_per_series"] = Math.Round(m.MemPerSeries);
                result["head_select_decode_samples_per_sec"] = Math.Round(m.HeadDecode.Wall);
                result["head_select_decode_samples_per_cpu_sec"] = Math.Round(m.HeadDecode.Cpu);
                result["block_select_decode_samples_per_sec"] = Math.Round(m.BlockDecode.Wall);
                result["block_select_decode_samples_per_cpu_sec"] = Math.Round(m.BlockDecode.Cpu);
                result["block_bytes_per_sample"] = Math.Round(m.BlockBytesPerSample, 3);
            }
        }
        return result;
    }

    private sealed record Measurement(double AppendRate, double AppendCpuRate, double MemPerSeries, (double Wall, double Cpu) HeadDecode, (double Wall, double Cpu) BlockDecode, double BlockBytesPerSample);

    private static TimeSpan Cpu() => Environment.CpuUsage.TotalTime;

    /// <summary>Selects every series and decodes every sample on this thread: samples per wall second and per CPU second.</summary>
    private (double Wall, double Cpu) MeasureDecode(ISampleQueryable store, long expected)
    {
        var cpu0 = Cpu();
        var sw = Stopwatch.StartNew();
        long n = 0;
        using (var q = store.Querier(long.MinValue / 2, long.MaxValue / 2))
        {
            var set = q.Select(false, null, new LabelMatcher(MatchOp.Regexp, "__name__", ".+"));
            ISampleIterator? it = null;
            while (set.MoveNext())
            {
                it = set.Current.Iterator(it);
                while (it.Next())
                {
                    n++;
                }
            }
        }
        sw.Stop();
        double cpu = (Cpu() - cpu0).TotalSeconds;
        if (n != expected)
        {
            throw new InvalidOperationException($"benchmark read back {n} samples, expected {expected}");
        }
        return (n / sw.Elapsed.TotalSeconds, n / cpu);
    }

    private Measurement MeasureAppend(SyntheticNodeData data, int writers)
    {
        string dir = Path.Combine(_workDir, $"append-{writers}");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, true);
        }
        // Pre-generate values so generation cost is not measured.
        var specs = data.Series;
        var values = new double[specs.Count][];
        for (int s = 0; s < specs.Count; s++)
        {
            var gen = specs[s].CreateGenerator();
            values[s] = new double[_samples];
            for (int i = 0; i < _samples; i++)
            {
                values[s][i] = gen.Next(15_000);
            }
        }
        long start = 1_700_000_000_000;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long memBefore = GC.GetTotalMemory(true);
        using var db = TsdbStorage.Open(new TsdbOptions { DataDir = dir, WalSync = _sync, DisableBackgroundMaintenance = true });
        // Note: label values are copied after the baseline so the head's label memory is measured as a scrape would
        // create it (names are shared, as the exposition parser interns them).
        var labels = new LabelSet[specs.Count];
        for (int s = 0; s < specs.Count; s++)
        {
            labels[s] = LabelSet.From(specs[s].Labels.Select(l => new Label(l.Name, new string(l.Value.AsSpan()))));
        }
        var refs = new SeriesRef[specs.Count];
        var cpuStart = Cpu();
        var sw = Stopwatch.StartNew();
        const int batch = 1000; // a scrape-sized commit
        Parallel.For(0, writers, new ParallelOptions { MaxDegreeOfParallelism = writers }, w =>
        {
            int from = specs.Count * w / writers, to = specs.Count * (w + 1) / writers;
            for (int i = 0; i < _samples; i++)
            {
                for (int b = from; b < to; b += batch)
                {
                    var app = db.Appender();
                    int end = Math.Min(to, b + batch);
                    for (int s = b; s < end; s++)
                    {
                        long t = SyntheticNodeData.ScrapeTime(start, 15_000, specs[s].Host, i);
                        if (!app.TryAppend(ref refs[s], labels[s], t, values[s][i], out var err))
                        {
                            throw new InvalidOperationException($"benchmark append refused: {err}");
                        }
                    }
                    app.Commit();
                }
            }
        });
        sw.Stop();
        double appendCpu = (Cpu() - cpuStart).TotalSeconds;
        long total = (long)specs.Count * _samples;
        double rate = total / sw.Elapsed.TotalSeconds;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // Note: the value arrays and refs are outside the head; subtract them from the heap delta.
        long valueBytes = (specs.Count * ((long)_samples * 8 + 24 + 8)) + (refs.Length * 8L) + (labels.Length * 8L);
        double memPerSeries = (GC.GetTotalMemory(true) - memBefore - valueBytes) / (double)specs.Count;

        var headDecode = MeasureDecode(db, total);
        if (writers != 1)
        {
            return new Measurement(rate, total / appendCpu, memPerSeries, headDecode, (0, 0), 0);
        }
        // Persist everything as blocks and read it back from the memory-mapped files.
        db.FlushHeadAsync(all: true).GetAwaiter().GetResult();
        double bytesPerSample = db.BlockBytes / (double)total;
        var blockDecode = MeasureDecode(db, total);
        return new Measurement(rate, total / appendCpu, memPerSeries, headDecode, blockDecode, bytesPerSample);
    }

    internal static string MachineInfo()
    {
        string cpu = "unknown cpu";
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    cpu = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    break;
                }
            }
        }
        catch (IOException)
        {
        }
        return $"{cpu}, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
    }
}
