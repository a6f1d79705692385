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
/// <para>Run: <c>dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*SdkBenchmarks*'</c>.</para>
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
