using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vigil.Sdk.Profiling;

/// <summary>
/// Profiles tool and operation runs: wall time, thread CPU time, allocations, GC collections, exceptions, outcome and
/// tool-reported counters, recorded to <see cref="System.Diagnostics.Metrics"/> instruments and to a bounded in-process
/// store that answers summaries.
/// </summary>
/// <remarks>
/// <para>Thread-safe. A synchronous scope (<see cref="Start(string)"/>) allocates nothing in steady state; its CPU
/// time, allocations and exceptions are those of the thread that started it, read at start and at dispose. An
/// asynchronous run (<see cref="RunAsync(string, Func{ToolRunScope, CancellationToken, Task}, CancellationToken)"/>)
/// accumulates them per continuation segment: every time the run's execution context is installed on or removed from
/// a thread, the thread's CPU clock and allocation counter are read and the difference since the last switch on that
/// thread is added to the run (and to the runs it is nested in). Work the run starts with <c>Task.Run</c> or
/// <c>Parallel</c> inherits the context and is counted too; work started with suppressed execution-context flow
/// (<c>ExecutionContext.SuppressFlow</c>, <c>UnsafeQueueUserWorkItem</c>) and time blocked in the kernel are not.</para>
/// <para>Bad input never throws from the run path: an invalid tool name is recorded under <see cref="InvalidToolName"/>,
/// tools beyond <see cref="ToolProfilerOptions.MaxTools"/> under <see cref="OverflowToolName"/>, and every such case is
/// counted in <see cref="Diagnostics"/> and exported as <c>vigil_sdk_dropped_total</c>.</para>
/// </remarks>
public sealed partial class ToolProfiler : IDisposable
{
    /// <summary>Tool name that collects runs started with an invalid name.</summary>
    public const string InvalidToolName = "_invalid";

    /// <summary>Tool name that collects runs of tools beyond <see cref="ToolProfilerOptions.MaxTools"/>.</summary>
    public const string OverflowToolName = "_overflow";

    /// <summary>Longest accepted tool name, in characters.</summary>
    public const int MaxToolNameLength = 200;

    private static long s_staleUses;

    private static GcCounts s_gcCounts = new(-1, 0, 0);

    private readonly ConcurrentDictionary<string, ToolState> _tools = new(StringComparer.Ordinal);
    private readonly Lock _toolsLock = new();
    private readonly ToolInstruments _instruments;
    private readonly long[] _dropped = new long[Enum.GetValues<DroppedReason>().Length];
    private readonly TimeProvider _time;
    private readonly bool _systemClock;
    private readonly int _cpuSampling;
    private readonly double _cpuFullThresholdSeconds;
    private ToolState? _invalidTool;
    private ToolState? _overflowTool;
    private ClockAnchor _anchor;
    private long _crossThreadDisposals;
    private long _callbackErrors;

    static ToolProfiler()
    {
        AppDomain.CurrentDomain.FirstChanceException += static (_, _) => OnFirstChanceException();
    }

    /// <summary>Creates a profiler with its own <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public ToolProfiler(ToolProfilerOptions? options = null)
    {
        Options = options ?? new ToolProfilerOptions();
        Options.Validate();
        DurationBounds = [.. Options.DurationBuckets];
        CpuBounds = [.. Options.CpuTimeBuckets];
        AllocatedBounds = [.. Options.AllocatedBytesBuckets];
        _time = Options.TimeProvider;
        _systemClock = ReferenceEquals(_time, TimeProvider.System);
        _cpuSampling = ThreadCpuClock.IsSupported ? Options.CpuTimeSampling : 0;
        _cpuFullThresholdSeconds = Options.CpuTimeFullThreshold.TotalSeconds;
        _anchor = ClockAnchor.Now(_time);
        _instruments = new ToolInstruments(Options);
    }

    /// <summary>Raised after every run is recorded, on the thread that ended it; exceptions from handlers are caught and counted.</summary>
    public event Action<ToolRun>? RunCompleted;

    /// <summary>The options the profiler was created with.</summary>
    public ToolProfilerOptions Options { get; }

    /// <summary>The meter holding the <c>vigil.tool.*</c> instruments (for OpenTelemetry: <c>AddMeter(profiler.Meter.Name)</c>).</summary>
    public Meter Meter => _instruments.Meter;

    /// <summary>True when this platform has a per-thread CPU clock (Linux, macOS, Windows on 64-bit).</summary>
    public static bool IsCpuTimeSupported => ThreadCpuClock.IsSupported;

    /// <summary>Names of the tools seen so far (including <see cref="InvalidToolName"/> and <see cref="OverflowToolName"/> once used).</summary>
    public IReadOnlyList<string> Tools
    {
        get
        {
            var names = new List<string>(_tools.Keys);
            if (_invalidTool is not null)
            {
                names.Add(InvalidToolName);
            }
            if (_overflowTool is not null)
            {
                names.Add(OverflowToolName);
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    /// <summary>Counts of dropped details and misuse so far.</summary>
    public ToolProfilerDiagnostics Diagnostics => new(
        Volatile.Read(ref _dropped[(int)DroppedReason.InvalidToolName]),
        Volatile.Read(ref _dropped[(int)DroppedReason.ToolLimit]),
        Volatile.Read(ref _dropped[(int)DroppedReason.TagLimit]),
        Volatile.Read(ref _dropped[(int)DroppedReason.CounterLimit]) + Volatile.Read(ref _dropped[(int)DroppedReason.InvalidCounterName]),
        Volatile.Read(ref _dropped[(int)DroppedReason.ErrorTypeLimit]),
        Volatile.Read(ref _crossThreadDisposals),
        Volatile.Read(ref s_staleUses),
        Volatile.Read(ref _callbackErrors));

    internal double[] DurationBounds { get; }

    internal double[] CpuBounds { get; }

    internal double[] AllocatedBounds { get; }

    /// <summary>Starts a synchronous run of <paramref name="tool"/>; dispose the returned scope to record it.</summary>
    /// <example><code>using var run = profiler.Start("search");
    /// run.CacheHit();</code></example>
    public ToolRunScope Start(string tool)
    {
        var thread = ProfilerThread.Current;
        var s = thread.Rent();
        s.HasTags = false;
        return Begin(thread, s, tool);
    }

    /// <summary>Starts a synchronous run of <paramref name="tool"/> with tags (added to the run's series and instruments).</summary>
    public ToolRunScope Start(string tool, in TagList tags)
    {
        var thread = ProfilerThread.Current;
        var s = thread.Rent();
        s.Tags = tags;
        s.HasTags = tags.Count > 0;
        return Begin(thread, s, tool);
    }

    /// <summary>Runs <paramref name="body"/> as a run of <paramref name="tool"/>; an escaping exception marks it failed (or cancelled) and propagates.</summary>
    public void Run(string tool, Action<ToolRunScope> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var scope = Start(tool);
        try
        {
            body(scope);
        }
        catch (Exception e) when (MarkFailed(scope, e))
        {
            throw;
        }
    }

    /// <summary>Runs <paramref name="body"/> as a run of <paramref name="tool"/> and returns its result; an escaping exception marks it failed (or cancelled) and propagates.</summary>
    public T Run<T>(string tool, Func<ToolRunScope, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var scope = Start(tool);
        try
        {
            return body(scope);
        }
        catch (Exception e) when (MarkFailed(scope, e))
        {
            throw;
        }
    }

    /// <summary>Records a run measured elsewhere (history from logs, another process); it is stored, summarized and exported like live runs.</summary>
    public void Record(in ToolRun run)
    {
        var tool = Resolve(ProfilerThread.Current, run.Tool);
        var stored = ReferenceEquals(tool.Name, run.Tool) ? run : run with { Tool = tool.Name };
        var series = tool.Record(stored, default, hasTags: false, scope: null);
        _instruments.Record(stored, series, null);
        Notify(stored);
    }

    /// <summary>The stored runs of <paramref name="tool"/> that ended within <paramref name="window"/> before now, oldest first (empty for an unknown tool).</summary>
    public IReadOnlyList<ToolRun> GetRuns(string tool, TimeSpan window)
    {
        var state = Find(tool);
        return state is null ? [] : state.RunsSince(WindowStartMs(window));
    }

    /// <inheritdoc />
    public void Dispose() => _instruments.Dispose();

    internal static void CountStaleUse() => Interlocked.Increment(ref s_staleUses);

    internal void CountDropped(DroppedReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    internal void CountInvalidCounterName() => CountDropped(DroppedReason.InvalidCounterName);

    internal long Dropped(DroppedReason reason) => Volatile.Read(ref _dropped[(int)reason]);

    internal long CrossThreadDisposals => Volatile.Read(ref _crossThreadDisposals);

    internal long CallbackErrors => Volatile.Read(ref _callbackErrors);

    internal static long StaleUses => Volatile.Read(ref s_staleUses);

    /// <summary>The states of every tool, including the invalid and overflow collectors once used.</summary>
    internal List<ToolState> ToolStates()
    {
        var states = new List<ToolState>(_tools.Values);
        if (_invalidTool is not null)
        {
            states.Add(_invalidTool);
        }
        if (_overflowTool is not null)
        {
            states.Add(_overflowTool);
        }
        states.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return states;
    }

    internal ToolState? Find(string tool) => tool switch
    {
        null => null,
        InvalidToolName => _invalidTool,
        OverflowToolName => _overflowTool,
        _ => _tools.GetValueOrDefault(tool),
    };

    internal long WindowStartMs(TimeSpan window)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (window <= TimeSpan.Zero || window == TimeSpan.MaxValue)
        {
            return long.MinValue;
        }
        return now - (long)window.TotalMilliseconds;
    }

    /// <summary>Ends a synchronous scope: reads the clocks first, then records.</summary>
    internal void Complete(ScopeState s)
    {
        long end = Stopwatch.GetTimestamp();
        double cpu = double.NaN;
        long allocated = -1;
        int exceptions = -1;
        if (Environment.CurrentManagedThreadId == s.Thread.ThreadId)
        {
            if (s.StartCpuNs >= 0)
            {
                long now = ThreadCpuClock.Read();
                if (now >= 0)
                {
                    cpu = (now - s.StartCpuNs) / 1e9;
                }
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - s.StartAllocated;
            exceptions = s.Thread.Exceptions - s.StartExceptions;
        }
        else
        {
            Interlocked.Increment(ref _crossThreadDisposals);
        }
        if (cpu > 0)
        {
            // Note: the CPU clock is read outside the wall-clock reads at both ends, so it can exceed wall time by the
            // cost of a clock read; one thread cannot use more CPU than wall time, so clamp.
            double wall = Stopwatch.GetElapsedTime(s.StartTimestamp, end).Ticks / (double)TimeSpan.TicksPerSecond;
            cpu = Math.Min(cpu, wall);
        }
        Finish(s, end, cpu, allocated, exceptions);
    }

    private static bool MarkFailed(ToolRunScope scope, Exception e)
    {
        scope.Fail(e);
        return false;
    }

    private static void OnFirstChanceException()
    {
        ProfilerThread.Current.Exceptions++;
        for (var f = CurrentFrame; f is not null; f = f.Parent)
        {
            Interlocked.Increment(ref f.Exceptions);
        }
    }

    private ToolRunScope Begin(ProfilerThread thread, ScopeState s, string tool)
    {
        s.Owner = this;
        s.Thread = thread;
        s.Tool = Resolve(thread, tool);
        s.IsAsync = false;
        s.Outcome = ToolOutcome.Success;
        ReadCollectionCounts(s);
        s.StartExceptions = thread.Exceptions;
        s.StartCpuNs = SampleCpu(thread, s.Tool) ? ThreadCpuClock.Read() : -1;
        // Note: allocations and wall time are read last so the scope's own bookkeeping is not measured.
        s.StartAllocated = GC.GetAllocatedBytesForCurrentThread();
        s.StartTimestamp = Stopwatch.GetTimestamp();
        return new ToolRunScope(s);
    }

    /// <summary>
    /// Reads the process's collection counts into the scope. While no collection happens (the gen-0 count is unchanged:
    /// every collection counts as a gen-0 one) the gen-1 and gen-2 counts are taken from a process-wide snapshot, which
    /// saves two runtime calls per scope.
    /// </summary>
    private static void ReadCollectionCounts(ScopeState s)
    {
        int gen0 = GC.CollectionCount(0);
        var known = Volatile.Read(ref s_gcCounts);
        if (known.Gen0 != gen0)
        {
            int gen1 = GC.CollectionCount(1);
            int gen2 = GC.CollectionCount(2);
            if (GC.CollectionCount(0) != gen0)
            {
                // Note: a collection ran between the reads; the three counts may not belong together, so read afresh.
                ReadCollectionCounts(s);
                return;
            }
            known = new GcCounts(gen0, gen1, gen2);
            Volatile.Write(ref s_gcCounts, known);
        }
        s.StartGen0 = gen0;
        s.StartGen1 = known.Gen1;
        s.StartGen2 = known.Gen2;
    }

    private bool SampleCpu(ProfilerThread thread, ToolState tool)
    {
        int n = _cpuSampling;
        if (n <= 1)
        {
            return n == 1;
        }
        if (tool.MeanDurationSeconds >= _cpuFullThresholdSeconds)
        {
            return true;
        }
        if (++thread.CpuSampleCounter >= n)
        {
            thread.CpuSampleCounter = 0;
            return true;
        }
        return false;
    }

    private void Finish(ScopeState s, long endTimestamp, double cpuSeconds, long allocated, int exceptions)
    {
        var tool = s.Tool;
        // Note: every collection counts as a generation-0 one too, so no new gen-0 count means no collection at all.
        int gen0 = GC.CollectionCount(0) - s.StartGen0;
        var run = new ToolRun
        {
            Tool = tool.Name,
            TimestampMs = TimestampMs(endTimestamp),
            DurationSeconds = Stopwatch.GetElapsedTime(s.StartTimestamp, endTimestamp).Ticks / (double)TimeSpan.TicksPerSecond,
            CpuSeconds = cpuSeconds,
            AllocatedBytes = allocated,
            Gen0Collections = gen0,
            Gen1Collections = gen0 == 0 ? 0 : GC.CollectionCount(1) - s.StartGen1,
            Gen2Collections = gen0 == 0 ? 0 : GC.CollectionCount(2) - s.StartGen2,
            Exceptions = exceptions,
            Outcome = s.Outcome,
            ErrorType = s.Outcome == ToolOutcome.Failure ? s.ErrorType ?? "error" : null,
            CacheHits = Volatile.Read(ref s.CacheHits),
            CacheMisses = Volatile.Read(ref s.CacheMisses),
            IoOperations = Volatile.Read(ref s.IoOperations),
            NetworkCalls = Volatile.Read(ref s.NetworkCalls),
        };
        try
        {
            var series = tool.Record(run, s.Tags, s.HasTags, s);
            _instruments.Record(run, series, s);
        }
        finally
        {
            s.Return(Environment.CurrentManagedThreadId == s.Thread.ThreadId ? s.Thread : ProfilerThread.Current);
        }
        Notify(run);
    }

    private void Notify(in ToolRun run)
    {
        var handler = RunCompleted;
        if (handler is null)
        {
            return;
        }
        try
        {
            handler(run);
        }
        catch (Exception)
        {
            // Note: a failing observer must not fail the tool it observes; the count is exported as misuse.
            Interlocked.Increment(ref _callbackErrors);
        }
    }

    private long TimestampMs(long stopwatchTimestamp)
    {
        if (!_systemClock)
        {
            return _time.GetUtcNow().ToUnixTimeMilliseconds();
        }
        var anchor = _anchor;
        long elapsed = stopwatchTimestamp - anchor.Timestamp;
        if (elapsed > Stopwatch.Frequency * 60)
        {
            // Note: re-anchor every minute so wall-clock steps (NTP, suspend) do not skew run timestamps for long.
            _anchor = anchor = ClockAnchor.Now(_time);
            elapsed = stopwatchTimestamp - anchor.Timestamp;
        }
        return anchor.UnixMs + (long)(elapsed * 1000.0 / Stopwatch.Frequency);
    }

    private ToolState Resolve(ProfilerThread thread, string tool)
    {
        // Note: hot loops start the same tool with the same string instance; a per-thread one-entry cache skips hashing it.
        var cached = thread.LastTool;
        if (cached is not null && ReferenceEquals(cached.Name, tool) && ReferenceEquals(cached.Owner, this))
        {
            return cached;
        }
        if (tool is not null && _tools.TryGetValue(tool, out var state))
        {
            thread.LastTool = state;
            return state;
        }
        return ResolveSlow(tool);
    }

    private ToolState ResolveSlow(string? tool)
    {
        if (!IsValidToolName(tool) || tool is InvalidToolName or OverflowToolName)
        {
            CountDropped(DroppedReason.InvalidToolName);
            return _invalidTool ?? CreateSpecial(ref _invalidTool, InvalidToolName);
        }
        lock (_toolsLock)
        {
            if (_tools.TryGetValue(tool, out var existing))
            {
                return existing;
            }
            if (_tools.Count >= Options.MaxTools)
            {
                CountDropped(DroppedReason.ToolLimit);
                return _overflowTool ?? CreateSpecial(ref _overflowTool, OverflowToolName);
            }
            var created = new ToolState(this, tool, Options.RunsPerTool);
            _tools[tool] = created;
            return created;
        }
    }

    private ToolState CreateSpecial(ref ToolState? slot, string name)
    {
        lock (_toolsLock)
        {
            return slot ??= new ToolState(this, name, Options.RunsPerTool);
        }
    }

    private static bool IsValidToolName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? tool)
    {
        if (string.IsNullOrWhiteSpace(tool) || tool.Length > MaxToolNameLength)
        {
            return false;
        }
        foreach (char c in tool)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The three collection counts read together (consistent: no collection ran between the reads).</summary>
    private sealed record GcCounts(int Gen0, int Gen1, int Gen2);

    /// <summary>A wall-clock instant paired with the stopwatch timestamp read at the same moment.</summary>
    private sealed record ClockAnchor(long UnixMs, long Timestamp)
    {
        public static ClockAnchor Now(TimeProvider time) => new(time.GetUtcNow().ToUnixTimeMilliseconds(), Stopwatch.GetTimestamp());
    }
}
