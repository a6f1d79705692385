// Latest results (AMD EPYC, 2 cores shared with other builds, load average 21-36, .NET 10.0.12, --inProcess, 5 warmup + 20 iterations):
//
// | Method                         | Categories | Mean           | Error         | StdDev        | Ratio  | RatioSD | Allocated | Alloc Ratio |
// |------------------------------- |----------- |---------------:|--------------:|--------------:|-------:|--------:|----------:|------------:|
// | Vigil_Render100HistogramSeries | Collect    | 1,775,358.2 ns | 234,145.97 ns | 269,642.84 ns | 500.48 |  148.02 |    1786 B |        6.95 |
// | OTel_Collect100HistogramSeries | Collect    |     3,792.4 ns |     904.86 ns |   1,042.04 ns |   1.07 |    0.40 |     257 B |        1.00 |
// | Vigil_ToolSummary2048Runs      | Collect    |   910,476.0 ns | 127,370.97 ns | 146,680.60 ns | 256.67 |   77.17 |    1028 B |        4.00 |
// | Vigil_HistogramRecordTwoTags   | Histogram  |       131.1 ns |       8.54 ns |       9.49 ns |   0.96 |    0.10 |         - |          NA |
// | OTel_HistogramRecordTwoTags    | Histogram  |       137.8 ns |      11.15 ns |      12.39 ns |   1.01 |    0.12 |         - |          NA |
// | Vigil_Scope                    | Scope      |     3,338.6 ns |     487.79 ns |     521.93 ns |  16.12 |    2.60 |         - |          NA |
// | Vigil_ScopeNoCpuTime           | Scope      |       215.3 ns |      46.38 ns |      51.56 ns |   1.04 |    0.25 |         - |          NA |
// | Vigil_ScopeNoCpuTimeTwoTags    | Scope      |       196.6 ns |      25.35 ns |      29.20 ns |   0.95 |    0.15 |         - |          NA |
// | OTel_TimedHistogramRecord      | Scope      |       207.7 ns |       9.74 ns |      11.22 ns |   1.00 |    0.07 |         - |          NA |
// | ThreadCpuClock_Read            | Scope      |       998.3 ns |      80.24 ns |      92.40 ns |   4.82 |    0.50 |         - |          NA |
//
// A scope without CPU time costs about what timing one value costs with OpenTelemetry; with CPU time it is dominated by
// two thread-CPU-clock system calls (see docs/BENCHMARKS.md, section SDK).
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
/// <para>Run: <c>dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*SdkBenchmarks*'</c> (add <c>--inProcess</c>
/// on a loaded machine, where building the generated project can exceed BenchmarkDotNet's 120 s timeout).</para>
/// <para>Scope: <c>Vigil_Scope*</c> is <c>using (profiler.Start("tool")) { }</c>; the OpenTelemetry equivalent of timing
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
