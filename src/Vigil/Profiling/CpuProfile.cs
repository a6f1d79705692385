namespace Vigil.Profiling;

/// <summary>
/// Aggregated CPU samples of a process: identical stacks merged with their sample counts, and per-function exclusive
/// (the function was on top of the stack) and inclusive (anywhere on the stack, counted once per sample) counts.
/// </summary>
internal sealed class CpuProfile
{
    private readonly Dictionary<string, int> _frameIds = new(StringComparer.Ordinal);
    private readonly List<string> _frames = new();
    private readonly Dictionary<StackKey, int> _stacks = new();
    private readonly Dictionary<int, int> _exclusive = new();
    private readonly Dictionary<int, int> _inclusive = new();

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

    /// <summary>Samples kept (threads running managed code).</summary>
    public int TotalSamples { get; private set; }

    /// <summary>Samples of threads outside managed code (waiting or in native code), left out of the profile.</summary>
    public int ExternalSamples { get; set; }

    /// <summary>Warnings about the data (the process exited early, names could not be resolved).</summary>
    public List<string> Warnings { get; } = new();

    /// <summary>Frame names by id.</summary>
    public IReadOnlyList<string> Frames => _frames;

    /// <summary>Distinct stacks (frame ids, root first) with their sample counts.</summary>
    public IEnumerable<(int[] RootFirst, int Samples)> Stacks => _stacks.Select(p => (p.Key.Frames, p.Value));

    /// <summary>Adds one sample whose stack is <paramref name="leafFirst"/> (innermost frame first).</summary>
    public void AddSample(IReadOnlyList<string> leafFirst)
    {
        if (leafFirst.Count == 0)
        {
            return;
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

    /// <summary>Functions whose exclusive share of samples is at least <paramref name="threshold"/> (0..1): where the CPU time goes.</summary>
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
