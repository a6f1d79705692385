using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vigil.Sdk.Profiling;

/// <summary>
/// The profiler's <see cref="System.Diagnostics.Metrics"/> instruments. They are recorded only while a listener (an
/// OpenTelemetry <c>MeterProvider</c>, <c>dotnet-counters</c>, Vigil's meter listener) has enabled them, so an app that
/// scrapes the profiler's own <c>/metrics</c> pays nothing here.
/// </summary>
internal sealed class ToolInstruments : IDisposable
{
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _cpu;
    private readonly Histogram<long> _allocated;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _exceptions;
    private readonly Counter<long> _cacheHits;
    private readonly Counter<long> _cacheMisses;
    private readonly Counter<long> _ioOperations;
    private readonly Counter<long> _networkCalls;
    private readonly Counter<long> _gcCollections;
    private readonly Counter<long> _custom;

    public ToolInstruments(ToolProfilerOptions options)
    {
        Meter = new Meter(options.MeterName);
        _duration = Meter.CreateHistogram("vigil.tool.duration", "s", "Wall-clock duration of tool runs.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [.. options.DurationBuckets] });
        _cpu = Meter.CreateHistogram("vigil.tool.cpu_time", "s", "CPU time (user + system) spent by tool runs.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [.. options.CpuTimeBuckets] });
        _allocated = Meter.CreateHistogram<long>("vigil.tool.allocated_bytes", "By", "Managed heap bytes allocated by tool runs.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. options.AllocatedBytesBuckets.Select(b => (long)b)] });
        _runs = Meter.CreateCounter<long>("vigil.tool.runs", "{run}", "Completed tool runs.");
        _errors = Meter.CreateCounter<long>("vigil.tool.errors", "{error}", "Failed tool runs by error type.");
        _exceptions = Meter.CreateCounter<long>("vigil.tool.exceptions", "{exception}", "Exceptions thrown (caught or not) inside tool runs.");
        _cacheHits = Meter.CreateCounter<long>("vigil.tool.cache_hits", "{hit}", "Cache hits reported by tools.");
        _cacheMisses = Meter.CreateCounter<long>("vigil.tool.cache_misses", "{miss}", "Cache misses reported by tools.");
        _ioOperations = Meter.CreateCounter<long>("vigil.tool.io_operations", "{operation}", "I/O operations reported by tools.");
        _networkCalls = Meter.CreateCounter<long>("vigil.tool.network_calls", "{call}", "Network calls reported by tools.");
        _gcCollections = Meter.CreateCounter<long>("vigil.tool.gc_collections", "{collection}", "Garbage collections in the process while tool runs were active.");
        _custom = Meter.CreateCounter<long>("vigil.tool.custom", null, "User-defined counters reported by tools.");
    }

    public Meter Meter { get; }

    public void Record(in ToolRun run, ToolSeries series, ScopeState? scope)
    {
        // Note: Enabled is a field read; with no listener attached the whole method costs a few branches.
        bool any = _duration.Enabled | _cpu.Enabled | _allocated.Enabled | _runs.Enabled | _errors.Enabled | _exceptions.Enabled
            | _cacheHits.Enabled | _cacheMisses.Enabled | _ioOperations.Enabled | _networkCalls.Enabled | _gcCollections.Enabled | _custom.Enabled;
        if (!any)
        {
            return;
        }
        var tags = new TagList
        {
            { "tool", run.Tool },
            { "outcome", OutcomeWord(run.Outcome) },
        };
        foreach (var t in series.Tags)
        {
            tags.Add(t);
        }
        _duration.Record(run.DurationSeconds, tags);
        if (!double.IsNaN(run.CpuSeconds))
        {
            _cpu.Record(run.CpuSeconds, tags);
        }
        if (run.AllocatedBytes >= 0)
        {
            _allocated.Record(run.AllocatedBytes, tags);
        }
        _runs.Add(1, tags);
        AddIfPositive(_exceptions, run.Exceptions, tags);
        AddIfPositive(_cacheHits, run.CacheHits, tags);
        AddIfPositive(_cacheMisses, run.CacheMisses, tags);
        AddIfPositive(_ioOperations, run.IoOperations, tags);
        AddIfPositive(_networkCalls, run.NetworkCalls, tags);
        if (_gcCollections.Enabled)
        {
            AddGc(run.Gen0Collections, "0", run);
            AddGc(run.Gen1Collections, "1", run);
            AddGc(run.Gen2Collections, "2", run);
        }
        if (run.Outcome == ToolOutcome.Failure && _errors.Enabled)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("tool", run.Tool), new KeyValuePair<string, object?>("error.type", run.ErrorType ?? "error"));
        }
        if (scope is not null && scope.CounterCount > 0 && _custom.Enabled)
        {
            var names = scope.CounterNames;
            var values = scope.CounterValues;
            for (int i = 0; i < names.Length; i++)
            {
                _custom.Add(values[i], new KeyValuePair<string, object?>("tool", run.Tool), new KeyValuePair<string, object?>("outcome", OutcomeWord(run.Outcome)),
                    new KeyValuePair<string, object?>("counter", names[i]));
            }
        }
    }

    public void Dispose() => Meter.Dispose();

    /// <summary>The word used for an outcome in tags, labels and JSON.</summary>
    public static string OutcomeWord(ToolOutcome outcome) => outcome switch
    {
        ToolOutcome.Success => "success",
        ToolOutcome.Failure => "failure",
        _ => "cancelled",
    };

    private static void AddIfPositive(Counter<long> counter, long value, in TagList tags)
    {
        if (value > 0)
        {
            counter.Add(value, tags);
        }
    }

    private void AddGc(int count, string generation, in ToolRun run)
    {
        if (count > 0)
        {
            _gcCollections.Add(count, new KeyValuePair<string, object?>("tool", run.Tool), new KeyValuePair<string, object?>("generation", generation));
        }
    }
}
