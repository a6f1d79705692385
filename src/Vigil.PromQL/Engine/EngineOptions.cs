using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Engine;

/// <summary>Limits and defaults of the query engine.</summary>
public sealed record EngineOptions
{
    /// <summary>How far back an instant selector looks for the latest sample (default 5 minutes).</summary>
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Maximum number of samples held in memory by one query (default 50 million).</summary>
    public int MaxSamples { get; init; } = 50_000_000;

    /// <summary>Maximum wall time of one query (default 2 minutes).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Maximum points per series of a range query (default 11,000, as Prometheus's API).</summary>
    public int MaxPointsPerSeries { get; init; } = 11_000;

    /// <summary>The step of a subquery written without one (<c>[1h:]</c>), given its range in ms (default 1 minute).</summary>
    public Func<long, long> DefaultSubqueryStep { get; init; } = static _ => 60_000;

    /// <summary>
    /// Remove <c>__name__</c> only at the end of evaluation (Prometheus 3's <c>promql-delayed-name-removal</c> feature).
    /// Off by default, as in Prometheus; the promqltest runner turns it on like Prometheus's test engine.
    /// </summary>
    public bool DelayedNameRemoval { get; init; }

    /// <summary>
    /// A query that allocates at least this many bytes (default 64 MiB) is followed, once such queries have stopped for
    /// two seconds (or 30 seconds after the first), by one aggressive garbage collection that compacts the heaps and
    /// returns the free memory to the operating system instead of keeping the process at its peak. 0 turns it off.
    /// </summary>
    public long ReturnMemoryAfterBytes { get; init; } = 64L << 20;

    /// <summary>Parser options (experimental functions are enabled by default).</summary>
    public ParserOptions Parser { get; init; } = ParserOptions.Default;
}
