using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Collection.Collectors;
using Vigil.Tsdb;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// An in-process <see cref="VigilServer"/> over the embedded TSDB in a temporary directory, running only the given
/// collectors (no host or self metrics), so tests can assert what a collector stored.
/// </summary>
internal sealed class CollectorHarness : IAsyncDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-collectors-").FullName;
    private readonly TsdbStorage _storage;
    private readonly VigilServer _server;

    private CollectorHarness(params ICollector[] collectors)
    {
        _storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        _server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            Instance = "test-host",
            CollectHost = false,
            CollectSelf = false,
        }, _storage, null, collectors, null);
    }

    public static async Task<CollectorHarness> StartAsync(params ICollector[] collectors)
    {
        var h = new CollectorHarness(collectors);
        await h._server.StartAsync();
        await h._server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(30));
        return h;
    }

    /// <summary>Runs one collection of every collector now.</summary>
    public void Collect() => _server.CollectNow();

    /// <summary>The latest non-stale value of every stored series of <paramref name="metric"/> carrying the given label pairs.</summary>
    public List<(LabelSet Labels, double Value)> Latest(string metric, params string[] labelPairs)
    {
        var matchers = new List<LabelMatcher> { LabelMatcher.MetricName(metric) };
        for (int i = 0; i < labelPairs.Length; i += 2)
        {
            matchers.Add(LabelMatcher.Equal(labelPairs[i], labelPairs[i + 1]));
        }
        using var q = _storage.Querier(0, long.MaxValue / 2);
        var result = new List<(LabelSet, double)>();
        foreach (var (labels, samples) in q.Select(true, null, [.. matchers]).ToList())
        {
            if (samples.Count > 0 && !StaleMarker.IsStaleNaN(samples[^1].V))
            {
                result.Add((labels, samples[^1].V));
            }
        }
        return result;
    }

    /// <summary>The latest value of the one series matching; null when there is none (fails when several match).</summary>
    public double? Value(string metric, params string[] labelPairs)
    {
        var all = Latest(metric, labelPairs);
        Assert.True(all.Count <= 1, $"{all.Count} series of {metric} match {string.Join(",", labelPairs)}: {string.Join("; ", all.Select(a => a.Labels.ToString()))}");
        return all.Count == 0 ? null : all[0].Value;
    }

    /// <summary>Every committed sample of the series with exactly <paramref name="labels"/> (stale markers included).</summary>
    public List<Sample> Samples(LabelSet labels)
    {
        using var q = _storage.Querier(0, long.MaxValue / 2);
        var all = q.Select(true, null, [.. labels.Select(l => LabelMatcher.Equal(l.Name, l.Value))]).ToList();
        return all.Count == 0 ? [] : all[0].Samples;
    }

    /// <summary>Collects every 250 ms until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public async Task CollectUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Collect();
            if (condition())
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"not reached within {timeout.TotalSeconds} s: {what()}");
            }
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _storage.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }
}
