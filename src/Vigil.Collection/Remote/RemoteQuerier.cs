using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>
/// Raw series and label indexes of a remote store over [mint, maxt]. Samples come from an instant query of a range
/// selector (<c>{matchers}[range]</c> at <c>maxt</c>), which every Prometheus-compatible API answers with the stored
/// samples; <c>/api/v1/series</c> answers the series endpoint, which needs no samples.
/// </summary>
internal sealed class RemoteQuerier : IQuerier
{
    /// <summary>How far ahead of the clock the querier looks at most (the remote may refuse times far in the future).</summary>
    private static readonly long FutureSlackMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private readonly RemoteApiClient _client;
    private readonly RemoteStoreOptions _options;

    public RemoteQuerier(RemoteApiClient client, RemoteStoreOptions options, long mint, long maxt)
    {
        _client = client;
        _options = options;
        MinTime = mint;
        MaxTime = maxt;
    }

    public long MinTime { get; }

    public long MaxTime { get; }

    // Note: the remote is asked only for times it can hold: not before the epoch, not beyond a day from now.
    private long From => Math.Max(MinTime, 0);

    private long To => Math.Max(From, Math.Min(MaxTime, Timestamp.Now() + FutureSlackMs));

    public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
    {
        try
        {
            return hints?.Func == "series" ? SeriesOnly(hints.Limit, matchers) : WithSamples(matchers);
        }
        catch (RemoteStorageException e)
        {
            return SeriesSets.Failed(e);
        }
    }

    private ISeriesSet WithSamples(LabelMatcher[] matchers)
    {
        long range = To - From + 1;
        string expr = RemoteStorage.Selector(matchers) + "[" + range.ToString(CultureInfo.InvariantCulture) + "ms]";
        using var answer = _client.Call("api/v1/query", [new("query", expr), new("time", RemoteStorage.Seconds(To))], _options.Timeout, CancellationToken.None);
        var result = RemoteJson.ReadQueryData(answer, _client.Name);
        var series = new List<ISeries>(result.Series.Count);
        foreach (var s in result.Series)
        {
            series.Add(new ListSeries(s.Labels, s.Timestamps, s.Values));
        }
        series.Sort(static (a, b) => LabelSet.Compare(a.Labels, b.Labels));
        return SeriesSets.FromList(series, result.Warnings);
    }

    private ISeriesSet SeriesOnly(int limit, LabelMatcher[] matchers)
    {
        var p = Range();
        p.Add(new("match[]", RemoteStorage.Selector(matchers)));
        if (limit > 0)
        {
            p.Add(new("limit", limit.ToString(CultureInfo.InvariantCulture)));
        }
        using var answer = _client.Call("api/v1/series", p, _options.Timeout, CancellationToken.None);
        var labels = RemoteJson.ReadLabelSets(answer.Data, _client.Name);
        labels.Sort(LabelSet.Compare);
        var series = new List<ISeries>(labels.Count);
        foreach (var l in labels)
        {
            series.Add(new ListSeries(l, [], []));
        }
        return SeriesSets.FromList(series, answer.Warnings);
    }

    public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers)
        => Strings("api/v1/label/" + Uri.EscapeDataString(name) + "/values", matchers);

    public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => Strings("api/v1/labels", matchers);

    private List<string> Strings(string path, LabelMatcher[] matchers)
    {
        var p = Range();
        if (matchers.Length > 0)
        {
            p.Add(new("match[]", RemoteStorage.Selector(matchers)));
        }
        using var answer = _client.Call(path, p, _options.Timeout, CancellationToken.None);
        var list = RemoteJson.ReadStrings(answer.Data, _client.Name);
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private List<KeyValuePair<string, string>> Range() => [new("start", RemoteStorage.Seconds(From)), new("end", RemoteStorage.Seconds(To))];

    public void Dispose()
    {
    }
}
