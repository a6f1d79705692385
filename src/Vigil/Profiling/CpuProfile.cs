namespace Vigil.Profiling;

/// <summary>
/// Aggregated samples of a process: on-CPU stacks merged with their sample counts, per-function exclusive (the function
/// was on top of the stack) and inclusive (anywhere on the stack, counted once per sample) counts, the on-CPU samples
/// per method of the application's own code, and the samples of waiting threads by kind (never counted as CPU).
/// </summary>
internal sealed class CpuProfile
{
    private readonly Dictionary<string, int> _frameIds = new(StringComparer.Ordinal);
    private readonly List<string> _frames = new();
    private readonly Dictionary<StackKey, int> _stacks = new();
    private readonly Dictionary<int, int> _exclusive = new();
    private readonly Dictionary<int, int> _inclusive = new();
    private readonly Dictionary<int, int> _ownCode = new();
    private readonly Dictionary<(string Kind, int Frame, int Waiter), int> _waits = new();

    public CpuProfile(int processId, string processName, double sampleIntervalMs)
    {
        ProcessId = processId;
        ProcessName = processName;
        SampleIntervalMs = sampleIntervalMs;
    }

    public int ProcessId { get; }

    public string ProcessName { get; }

    /// <summary>Milliseconds between samples of one thread (EventPipe's sample profiler: 1 ms by default).</summary>
    public double SampleIntervalMs { get; }

    /// <summary>Wall-clock length of the session.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>On-CPU samples kept (threads running managed code, not waiting).</summary>
    public int TotalSamples { get; private set; }

    /// <summary>Samples of waiting threads (idle thread-pool workers, locks, sleeps, blocking reads...).</summary>
    public int WaitSamples { get; private set; }

    /// <summary>On-CPU samples with a frame of the application's own code on the stack.</summary>
    public int OwnCodeSamples { get; private set; }

    /// <summary>Samples of threads outside managed code whose stack names no known wait (native code or blocked), left out.</summary>
    public int ExternalSamples { get; set; }

    /// <summary>Warnings about the data (the process exited early, names could not be resolved).</summary>
    public List<string> Warnings { get; } = new();

    /// <summary>Frame names by id.</summary>
    public IReadOnlyList<string> Frames => _frames;

    /// <summary>Distinct stacks (frame ids, root first) with their sample counts.</summary>
    public IEnumerable<(int[] RootFirst, int Samples)> Stacks => _stacks.Select(p => (p.Key.Frames, p.Value));

    /// <summary>Adds one waiting thread's sample: its kind, the wait frame (index <paramref name="frame"/>) and the innermost frame of the application's own code (the code that waits).</summary>
    public void AddWait(string kind, int frame, IReadOnlyList<string> leafFirst)
    {
        int waiter = -1;
        for (int i = frame + 1; i < leafFirst.Count; i++)
        {
            if (SampleClassifier.IsOwnCode(leafFirst[i]))
            {
                waiter = FrameId(leafFirst[i]);
                break;
            }
        }
        var key = (kind, frame >= 0 && frame < leafFirst.Count ? FrameId(leafFirst[frame]) : -1, waiter);
        _waits[key] = _waits.GetValueOrDefault(key) + 1;
        WaitSamples++;
    }

    /// <summary>Adds one on-CPU sample whose stack is <paramref name="leafFirst"/> (innermost frame first).</summary>
    public void AddSample(IReadOnlyList<string> leafFirst)
    {
        if (leafFirst.Count == 0)
        {
            return;
        }
        foreach (string frame in leafFirst)
        {
            // Note: the sample counts for the innermost method of the application: its own work and the framework code it called.
            if (SampleClassifier.IsOwnCode(frame))
            {
                int own = FrameId(frame);
                _ownCode[own] = _ownCode.GetValueOrDefault(own) + 1;
                OwnCodeSamples++;
                break;
            }
        }
        var rootFirst = new int[leafFirst.Count];
        for (int i = 0; i < leafFirst.Count; i++)
        {
            rootFirst[leafFirst.Count - 1 - i] = FrameId(leafFirst[i]);
        }
        var key = new StackKey(rootFirst);
        _stacks[key] = _stacks.GetValueOrDefault(key) + 1;
        TotalSamples++;
        int leaf = rootFirst[^1];
        _exclusive[leaf] = _exclusive.GetValueOrDefault(leaf) + 1;
        // Note: a recursive function appears several times on one stack but is counted once per sample.
        foreach (int f in rootFirst.Distinct())
        {
            _inclusive[f] = _inclusive.GetValueOrDefault(f) + 1;
        }
    }

    /// <summary>The functions with the most exclusive samples, most first (ties by name).</summary>
    public List<FunctionSamples> TopExclusive(int count) => Top(_exclusive, _inclusive, count, byExclusive: true);

    /// <summary>The functions with the most inclusive samples, most first (ties by name).</summary>
    public List<FunctionSamples> TopInclusive(int count) => Top(_exclusive, _inclusive, count, byExclusive: false);

    /// <summary>
    /// The application's own methods by on-CPU samples attributed to them (the innermost own frame of each sample: the
    /// method's own work plus the framework code it called), most first; shares are of all on-CPU samples.
    /// </summary>
    public List<(string Function, int Samples, double Share)> TopOwnCode(int count)
    {
        double total = Math.Max(1, TotalSamples);
        return [.. _ownCode.OrderByDescending(p => p.Value).ThenBy(p => _frames[p.Key], StringComparer.Ordinal).Take(count)
            .Select(p => (_frames[p.Key], p.Value, p.Value / total))];
    }

    /// <summary>Waits by kind, most samples first: the kind, its samples, the commonest wait frame and the own-code frame that waits there (or null).</summary>
    public List<(string Kind, int Samples, string Frame, string? Waiter)> TopWaits()
        => [.. _waits.GroupBy(p => p.Key.Kind)
            .Select(g =>
            {
                var top = g.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Frame).First().Key;
                return (g.Key, g.Sum(p => p.Value), top.Frame >= 0 ? _frames[top.Frame] : "?", top.Waiter >= 0 ? _frames[top.Waiter] : null);
            })
            .OrderByDescending(w => w.Item2).ThenBy(w => w.Key, StringComparer.Ordinal)];

    /// <summary>Functions whose exclusive share of on-CPU samples is at least <paramref name="threshold"/> (0..1): where the CPU time goes; waits never appear.</summary>
    public List<FunctionSamples> Bottlenecks(double threshold)
        => [.. TopExclusive(int.MaxValue).Where(f => f.ExclusiveShare >= threshold)];

    private List<FunctionSamples> Top(Dictionary<int, int> exclusive, Dictionary<int, int> inclusive, int count, bool byExclusive)
    {
        var source = byExclusive ? exclusive : inclusive;
        double total = Math.Max(1, TotalSamples);
        return [.. source
            .OrderByDescending(p => p.Value)
            .ThenBy(p => _frames[p.Key], StringComparer.Ordinal)
            .Take(count)
            .Select(p => new FunctionSamples(_frames[p.Key], exclusive.GetValueOrDefault(p.Key), inclusive.GetValueOrDefault(p.Key),
                exclusive.GetValueOrDefault(p.Key) / total, inclusive.GetValueOrDefault(p.Key) / total))];
    }

    private int FrameId(string name)
    {
        if (!_frameIds.TryGetValue(name, out int id))
        {
            id = _frames.Count;
            _frames.Add(name);
            _frameIds.Add(name, id);
        }
        return id;
    }

    /// <summary>A stack as a dictionary key (structural equality).</summary>
    private readonly struct StackKey(int[] frames) : IEquatable<StackKey>
    {
        public int[] Frames { get; } = frames;

        public bool Equals(StackKey other) => Frames.AsSpan().SequenceEqual(other.Frames);

        public override bool Equals(object? obj) => obj is StackKey k && Equals(k);

        public override int GetHashCode()
        {
            var h = new HashCode();
            foreach (int f in Frames)
            {
                h.Add(f);
            }
            return h.ToHashCode();
        }
    }
}

/// <summary>Samples of one function.</summary>
/// <param name="Function">Module and method, <c>Module!Namespace.Type.Method(args)</c>.</param>
/// <param name="Exclusive">Samples with the function on top of the stack.</param>
/// <param name="Inclusive">Samples with the function anywhere on the stack.</param>
/// <param name="ExclusiveShare">Exclusive samples over all samples.</param>
/// <param name="InclusiveShare">Inclusive samples over all samples.</param>
internal sealed record FunctionSamples(string Function, int Exclusive, int Inclusive, double ExclusiveShare, double InclusiveShare);
