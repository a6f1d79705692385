using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Vigil.PromQL.Engine;

/// <summary>State shared by all evaluators of one query (the top-level one and those of subqueries).</summary>
internal sealed class QueryContext
{
    private readonly long _deadline;

    public QueryContext(string query, CancellationToken userToken, TimeSpan timeout)
    {
        Query = query;
        UserToken = userToken;
        Timeout = timeout;
        // Note: a deadline read from the clock, not a timer callback, so a starved thread pool cannot delay the timeout.
        _deadline = Stopwatch.GetTimestamp() + (long)(Math.Min(timeout.TotalSeconds, 1e9) * Stopwatch.Frequency);
    }

    public string Query { get; }

    /// <summary>How long the query may take in all.</summary>
    public TimeSpan Timeout { get; }

    public CancellationToken UserToken { get; }

    public Annotations Annotations { get; } = new();

    public int MaxSamples { get; init; }

    public long LookbackMs { get; init; }

    public Func<long, long> DefaultSubqueryStep { get; init; } = static _ => 60_000;

    public bool DelayedNameRemoval { get; init; } = true;

    /// <summary>The query's storage view, for selections made during evaluation (the info series of <c>info()</c>); null when the query selects nothing.</summary>
    public Vigil.Core.Storage.IQuerier? Querier { get; set; }

    /// <summary>Samples read from storage or subqueries, for statistics.</summary>
    public long SamplesLoaded;

    /// <summary>The most samples held in memory at once, for statistics.</summary>
    public int PeakSamples;

    /// <summary>Units of work (points read, steps evaluated) between two looks at the clock and the caller's token.</summary>
    public const int WorkPerCheck = 1 << 15;

    private int _work;

    /// <summary>
    /// Counts work done inside a loop and, every <see cref="WorkPerCheck"/> units, checks for cancellation and the
    /// deadline, so every loop observes both without reading the clock per point.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Tick(int units = 1)
    {
        _work += units;
        if (_work >= WorkPerCheck)
        {
            _work = 0;
            CheckCancel("expression evaluation");
        }
    }

    public void CheckCancel(string where)
    {
        if (UserToken.IsCancellationRequested)
        {
            throw new PromQLException(QueryErrorType.Canceled, "query was canceled in " + where);
        }
        if (Stopwatch.GetTimestamp() > _deadline)
        {
            throw new PromQLException(QueryErrorType.Timeout, "query timed out in " + where);
        }
    }
}
