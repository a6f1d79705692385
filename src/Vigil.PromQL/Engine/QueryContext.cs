namespace Vigil.PromQL.Engine;

/// <summary>State shared by all evaluators of one query (the top-level one and those of subqueries).</summary>
internal sealed class QueryContext
{
    public QueryContext(string query, CancellationToken userToken, CancellationToken timeoutToken)
    {
        Query = query;
        UserToken = userToken;
        TimeoutToken = timeoutToken;
    }

    public string Query { get; }

    public CancellationToken UserToken { get; }

    public CancellationToken TimeoutToken { get; }

    public Annotations Annotations { get; } = new();

    public int MaxSamples { get; init; }

    public long LookbackMs { get; init; }

    public Func<long, long> DefaultSubqueryStep { get; init; } = static _ => 60_000;

    public bool DelayedNameRemoval { get; init; } = true;

    /// <summary>Samples read from storage or subqueries, for statistics.</summary>
    public long SamplesLoaded;

    public void CheckCancel(string where)
    {
        if (UserToken.IsCancellationRequested)
        {
            throw new PromQLException(QueryErrorType.Canceled, "query was canceled in " + where);
        }
        if (TimeoutToken.IsCancellationRequested)
        {
            throw new PromQLException(QueryErrorType.Timeout, "query timed out in " + where);
        }
    }
}
