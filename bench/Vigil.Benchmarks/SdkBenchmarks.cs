// Latest results (AMD EPYC, 2 cores shared with other builds, load average 4-19 during the run, .NET 10.0.12,
// --inProcess --job short --warmupCount 5 --iterationCount 15, 2026-11-22):
//
// | Method                         | Categories | Mean          | Error          | StdDev         | Median        | Ratio  | RatioSD | Allocated | Alloc Ratio |
// |------------------------------- |----------- |--------------:|---------------:|---------------:|--------------:|-------:|--------:|----------:|------------:|
// | Vigil_Render100HistogramSeries | Collect    | 418,852.81 ns |  50,333.590 ns |  44,619.416 ns | 438,276.89 ns | 164.71 |   26.02 |    1746 B |        6.82 |
// | OTel_Collect100HistogramSeries | Collect    |   2,574.87 ns |     335.994 ns |     280.570 ns |   2,642.66 ns |   1.01 |    0.16 |     256 B |        1.00 |
// | Vigil_ToolSummary2048Runs      | Collect    | 344,514.76 ns | 130,636.880 ns | 122,197.819 ns | 270,060.10 ns | 135.48 |   49.57 |    1027 B |        4.01 |
// |                                |            |               |                |                |               |        |         |           |             |
// | Vigil_HistogramRecordTwoTags   | Histogram  |      62.72 ns |       9.813 ns |       9.179 ns |      59.47 ns |   0.74 |    0.14 |         - |          NA |
// | OTel_HistogramRecordTwoTags    | Histogram  |      86.17 ns |       9.712 ns |       8.610 ns |      89.09 ns |   1.01 |    0.15 |         - |          NA |
// |                                |            |               |                |                |               |        |         |           |             |
// | Vigil_Scope                    | Scope      |     223.52 ns |      52.160 ns |      48.791 ns |     200.64 ns |   1.88 |    0.51 |         - |          NA |
// | Vigil_ScopeCpuEveryRun         | Scope      |   2,060.39 ns |      76.760 ns |      59.929 ns |   2,062.33 ns |  17.37 |    2.90 |         - |          NA |
// | Vigil_ScopeNoCpuTime           | Scope      |     193.17 ns |      18.591 ns |      16.480 ns |     193.06 ns |   1.63 |    0.30 |         - |          NA |
// | Vigil_ScopeNoCpuTimeTwoTags    | Scope      |     225.45 ns |      18.329 ns |      17.145 ns |     224.86 ns |   1.90 |    0.34 |         - |          NA |
// | OTel_TimedHistogramRecord      | Scope      |     122.29 ns |      25.210 ns |      23.582 ns |     115.71 ns |   1.03 |    0.26 |         - |          NA |
// | ThreadCpuClock_Read            | Scope      |     694.05 ns |      39.748 ns |      37.180 ns |     707.64 ns |   5.85 |    1.01 |         - |          NA |
//
// Vigil_Scope is the default profiler: CPU time on every run of tools averaging 100 µs or more, one run in 100 of
// shorter ones (this empty tool), so it costs Vigil_ScopeNoCpuTime plus 1/100 of two thread-CPU-clock system calls;
// Vigil_ScopeCpuEveryRun is the cost of measuring CPU time on every run (see docs/BENCHMARKS.md, section SDK).
using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;

namespace Vigil.Benchmarks;

/// <summary>
/// Overhead of Vigil.Sdk next to the OpenTelemetry .NET SDK 1.20.1 (a <c>MeterProvider</c> with a reader attached) in
/// the same run: a profile scope, a histogram value with two tags, and collecting or summarizing what was recorded.
/// </summary>
/// <remarks>
/// <para>Run: <c>dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*SdkBenchmarks*' --inProcess --job short</c>
/// (<c>--inProcess</c>: on a loaded machine building the generated project can exceed BenchmarkDotNet's 120 s timeout).</para>
/// <para>Scope: <c>Vigil_Scope*</c> is <c>using (profiler.Start("tool")) { }</c> with the default CPU-time sampling,
/// with CPU time on every run, and with none; the OpenTelemetry equivalent of timing
/// a tool is a stopwatch plus <c>histogram.Record(seconds, tool, outcome)</c> on a provider that listens.
/// <c>ThreadCpuClock_Read</c> is one read of the thread CPU clock (a system call on Linux): a scope that measures CPU
/// time reads it twice.</para>
/// <para>Histogram: the same <see cref="Histogram{T}"/> API with two tags drawn from 10 x 10 values, listened to by
/// Vigil's meter aggregator (what <c>/metrics</c> serves) or by OpenTelemetry's <c>MeterProvider</c>; both use the 15
/// OpenTelemetry default buckets.</para>
/// <para>Collect: rendering the 100 histogram series as Prometheus text (Vigil) against a reader collect to a no-op
/// exporter (OpenTelemetry); <c>Vigil_ToolSummary</c> is <c>GetSummary</c> over 2,048 stored runs (OpenTelemetry has
/// no counterpart).</para>
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SdkBenchmarks
{
    private static readonly string[] DimensionA = [.. Enumerable.Range(0, 10).Select(i => "a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    private static readonly string[] DimensionB = [.. Enumerable.Range(0, 10).Select(i => "b" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private ToolProfiler _profiler = null!;
    private ToolProfiler _profilerNoCpu = null!;
    private ToolProfiler _profilerEveryCpu = null!;
    private ToolProfiler _summaryProfiler = null!;
    private Meter _vigilMeter = null!;
    private Meter _otelMeter = null!;
    private Histogram<double> _vigilHistogram = null!;
    private Histogram<double> _otelHistogram = null!;
    private Histogram<double> _otelToolHistogram = null!;
    private VigilMetrics _vigilMetrics = null!;
    private MeterProvider _otelProvider = null!;
    private ArrayBufferWriter<byte> _buffer = null!;
    private TagList _tags;
    private int _i;

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _profiler = new ToolProfiler(new ToolProfilerOptions { MeterName = "Bench.Profiler." + id, RunsPerTool = 64 });
        _profilerNoCpu = new ToolProfiler(new ToolProfilerOptions { MeterName = "Bench.ProfilerNoCpu." + id, RunsPerTool = 64, CpuTimeSampling = 0 });
        _profilerEveryCpu = new ToolProfiler(new ToolProfilerOptions { MeterName = "Bench.ProfilerEveryCpu." + id, RunsPerTool = 64, CpuTimeSampling = 1 });
        _summaryProfiler = new ToolProfiler(new ToolProfilerOptions { MeterName = "Bench.Summary." + id });
        var rng = new Random(42);
        for (int i = 0; i < 2048; i++)
        {
            _summaryProfiler.Record(new ToolRun
            {
                Tool = "search",
                TimestampMs = 1_700_000_000_000 + i,
                DurationSeconds = rng.NextDouble(),
                CpuSeconds = rng.NextDouble() / 2,
                AllocatedBytes = rng.Next(1 << 20),
                Outcome = i % 10 == 0 ? ToolOutcome.Failure : ToolOutcome.Success,
                ErrorType = i % 10 == 0 ? "Timeout" : null,
                CacheHits = 3,
                CacheMisses = 1,
            });
        }
        _tags = new TagList { { "model", "small" }, { "region", "eu" } };

        _vigilMeter = new Meter("Bench.Vigil." + id);
        _otelMeter = new Meter("Bench.OTel." + id);
        _vigilHistogram = _vigilMeter.CreateHistogram<double>("bench.latency");
        _otelHistogram = _otelMeter.CreateHistogram<double>("bench.latency");
        _otelToolHistogram = _otelMeter.CreateHistogram<double>("bench.tool.duration", "s");
        _vigilMetrics = new VigilMetrics();
        _vigilMetrics.AddMeter(_vigilMeter.Name);
        _otelProvider = OpenTelemetry.Sdk.CreateMeterProviderBuilder()
            .AddMeter(_otelMeter.Name)
            .AddReader(new BaseExportingMetricReader(new NullExporter()))
            .Build();
        for (int i = 0; i < 100; i++)
        {
            var a = new KeyValuePair<string, object?>("dim_a", DimensionA[i % 10]);
            var b = new KeyValuePair<string, object?>("dim_b", DimensionB[i / 10]);
            _vigilHistogram.Record(i, a, b);
            _otelHistogram.Record(i, a, b);
        }
        _buffer = new ArrayBufferWriter<byte>(256 * 1024);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _otelProvider.Dispose();
        _vigilMetrics.Dispose();
        _vigilMeter.Dispose();
        _otelMeter.Dispose();
        _profiler.Dispose();
        _profilerNoCpu.Dispose();
        _profilerEveryCpu.Dispose();
        _summaryProfiler.Dispose();
    }

    [Benchmark]
    [BenchmarkCategory("Scope")]
    public void Vigil_Scope()
    {
        using (_profiler.Start("search"))
        {
        }
    }

    [Benchmark]
    [BenchmarkCategory("Scope")]
    public void Vigil_ScopeCpuEveryRun()
    {
        using (_profilerEveryCpu.Start("search"))
        {
        }
    }

    [Benchmark]
    [BenchmarkCategory("Scope")]
    public void Vigil_ScopeNoCpuTime()
    {
        using (_profilerNoCpu.Start("search"))
        {
        }
    }

    [Benchmark]
    [BenchmarkCategory("Scope")]
    public void Vigil_ScopeNoCpuTimeTwoTags()
    {
        using (_profilerNoCpu.Start("search", _tags))
        {
        }
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Scope")]
    public void OTel_TimedHistogramRecord()
    {
        long start = Stopwatch.GetTimestamp();
        _otelToolHistogram.Record(Stopwatch.GetElapsedTime(start).TotalSeconds, new KeyValuePair<string, object?>("tool", "search"), new KeyValuePair<string, object?>("outcome", "success"));
    }

    [Benchmark]
    [BenchmarkCategory("Scope")]
    public long ThreadCpuClock_Read() => ThreadCpuClock.Read();

    [Benchmark]
    [BenchmarkCategory("Histogram")]
    public void Vigil_HistogramRecordTwoTags()
    {
        int i = _i++;
        _vigilHistogram.Record(i & 1023, new KeyValuePair<string, object?>("dim_a", DimensionA[i % 10]), new KeyValuePair<string, object?>("dim_b", DimensionB[(i / 10) % 10]));
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Histogram")]
    public void OTel_HistogramRecordTwoTags()
    {
        int i = _i++;
        _otelHistogram.Record(i & 1023, new KeyValuePair<string, object?>("dim_a", DimensionA[i % 10]), new KeyValuePair<string, object?>("dim_b", DimensionB[(i / 10) % 10]));
    }

    [Benchmark]
    [BenchmarkCategory("Collect")]
    public int Vigil_Render100HistogramSeries()
    {
        _buffer.ResetWrittenCount();
        _vigilMetrics.Write(_buffer);
        return _buffer.WrittenCount;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Collect")]
    public bool OTel_Collect100HistogramSeries() => _otelProvider.ForceFlush();

    [Benchmark]
    [BenchmarkCategory("Collect")]
    public double Vigil_ToolSummary2048Runs() => _summaryProfiler.GetSummary("search", TimeSpan.Zero)!.Duration.P95;

    /// <summary>An exporter that drops what it receives, so a collect measures only the SDK's own work.</summary>
    private sealed class NullExporter : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    _ = point.GetHistogramSum();
                }
            }
            return ExportResult.Success;
        }
    }
}
