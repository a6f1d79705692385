using System.Globalization;
using System.Text;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>
/// A Prometheus-compatible store (VictoriaMetrics, Mimir, Thanos, Prometheus) as Vigil's storage: whole PromQL
/// expressions are evaluated by the store (<see cref="IQueryPushdown"/>, <c>/api/v1/query</c> and
/// <c>/api/v1/query_range</c>); raw series (for the anomaly scorer, or merged with the local TSDB) come from
/// <c>/api/v1/query</c> with a range selector, series from <c>/api/v1/series</c>, label names and values from their
/// endpoints; appends are remote-written on commit.
/// </summary>
/// <remarks>
/// Thread-safe. Every call blocks until the store answers or the timeout (<see cref="RemoteStoreOptions.Timeout"/>)
/// passes; failures are <see cref="RemoteStorageException"/>s naming the store. A commit returns once the store has
/// acknowledged the batch, so nothing is reported written that was not.
/// </remarks>
public sealed class RemoteStorage : IStorage, IQueryPushdown, IDisposable
{
    private readonly RemoteStoreOptions _options;
    private readonly RemoteApiClient _client;

    /// <summary>Creates a storage over the store <paramref name="options"/> describe; nothing is contacted until the first call.</summary>
    public RemoteStorage(RemoteStoreOptions options)
        : this(options, null)
    {
    }

    /// <summary>Test hook: a custom HTTP handler.</summary>
    internal RemoteStorage(RemoteStoreOptions options, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Type != RemoteStoreOptions.PrometheusApi)
        {
            throw new ArgumentException($"unsupported remote store type \"{options.Type}\" (supported: {RemoteStoreOptions.PrometheusApi})", nameof(options));
        }
        _options = options;
        _client = new RemoteApiClient(options, handler);
    }

    /// <summary>The options.</summary>
    public RemoteStoreOptions Options => _options;

    /// <inheritdoc />
    /// <remarks>A remote store does not say; 0 (the epoch) means "may hold anything".</remarks>
    public long StartTime => 0;

    /// <inheritdoc />
    public IAppender Appender() => new RemoteWriteAppender(_client, _options.ExternalLabels);

    /// <inheritdoc />
    public IQuerier Querier(long mint, long maxt) => new RemoteQuerier(_client, _options, mint, maxt);

    /// <inheritdoc />
    public PushdownResult Query(PushdownQuery query, CancellationToken cancellationToken)
    {
        var p = new List<KeyValuePair<string, string>> { new("query", query.Expression) };
        string path;
        if (query.IsInstant)
        {
            path = "api/v1/query";
            p.Add(new("time", Seconds(query.StartMs)));
        }
        else
        {
            path = "api/v1/query_range";
            p.Add(new("start", Seconds(query.StartMs)));
            p.Add(new("end", Seconds(query.EndMs)));
            p.Add(new("step", Seconds(query.StepMs)));
        }
        p.Add(new("timeout", Seconds((long)query.Timeout.TotalMilliseconds)));
        if (query.LookbackDelta is { } lookback)
        {
            p.Add(new("lookback_delta", Seconds((long)lookback.TotalMilliseconds)));
        }
        using var answer = _client.Call(path, p, query.Timeout, cancellationToken);
        return RemoteJson.ReadQueryData(answer, _client.Name);
    }

    /// <summary>Milliseconds as the API's seconds with a fraction: <c>1700000000.123</c>.</summary>
    internal static string Seconds(long ms) => (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A PromQL selector for <paramref name="matchers"/>: <c>{__name__="up",job=~"a|b"}</c>.</summary>
    internal static string Selector(IReadOnlyList<LabelMatcher> matchers)
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < matchers.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(matchers[i]);
        }
        return sb.Append('}').ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
