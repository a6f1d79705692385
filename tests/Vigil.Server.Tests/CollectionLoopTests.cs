using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Collection.Collectors;
using Vigil.Server.Metrics;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

public sealed class CollectionLoopTests : IDisposable
{
    private static readonly LabelSet Target = LabelSet.Of("job", "vigil", "instance", "box");
    private readonly ServerInstruments _instruments = new();
    private readonly ManualClock _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
    private readonly MemoryStorage _storage = new();

    public void Dispose() => _instruments.Dispose();

    private CollectionLoop Loop(params ICollector[] collectors)
        => new(_storage, collectors, TimeSpan.FromSeconds(5), Target, _instruments.Collectors, NullLogger.Instance, _clock);

    private static LabelSet Full(string metric, params string[] pairs)
        => LabelSet.Of([LabelSet.MetricName, metric, "job", "vigil", "instance", "box", .. pairs]);

    [Fact]
    public void CollectOnce_AddsTargetLabelsAndOneTimestampForAllCollectors()
    {
        var a = new DelegateCollector("a", (app, ts) => app.Append(LabelSet.Of("__name__", "a_metric"), ts, 1));
        var b = new DelegateCollector("b", (app, ts) => app.Append(LabelSet.Of("__name__", "b_metric", "x", "y"), ts, 2));
        var loop = Loop(a, b);
        loop.CollectOnce();

        Assert.Equal([new Sample(1_700_000_000_000, 1)], _storage.SamplesOf(Full("a_metric")));
        Assert.Equal([new Sample(1_700_000_000_000, 2)], _storage.SamplesOf(Full("b_metric", "x", "y")));
        Assert.True(loop.FirstCollection.IsCompleted);
        Assert.Equal(2, _storage.Commits);
    }

    [Fact]
    public void CollectOnce_ClashingTargetLabel_KeptAsExportedLabel()
    {
        var c = new DelegateCollector("c", (app, ts) => app.Append(LabelSet.Of("__name__", "m", "job", "other"), ts, 1));
        Loop(c).CollectOnce();
        Assert.Single(_storage.SamplesOf(Full("m", "exported_job", "other")));
    }

    [Fact]
    public void CollectOnce_SeriesDisappears_GetsStalenessMarkerOnce()
    {
        bool withB = true;
        var c = new DelegateCollector("c", (app, ts) =>
        {
            app.Append(LabelSet.Of("__name__", "m", "dev", "a"), ts, 1);
            if (withB)
            {
                app.Append(LabelSet.Of("__name__", "m", "dev", "b"), ts, 2);
            }
        });
        var loop = Loop(c);
        loop.CollectOnce();
        withB = false;
        _clock.Advance(TimeSpan.FromSeconds(5));
        loop.CollectOnce();
        _clock.Advance(TimeSpan.FromSeconds(5));
        loop.CollectOnce();

        var b = _storage.SamplesOf(Full("m", "dev", "b"));
        Assert.Equal(2, b.Count);
        Assert.Equal(2, b[0].V);
        Assert.Equal(1_700_000_005_000, b[1].T);
        Assert.True(StaleMarker.IsStaleNaN(b[1].V));
        Assert.Equal(3, _storage.SamplesOf(Full("m", "dev", "a")).Count);
    }

    [Fact]
    public void CollectOnce_CollectorThrows_ItsSamplesRolledBackOthersCommitted()
    {
        var bad = new DelegateCollector("bad", (app, ts) =>
        {
            app.Append(LabelSet.Of("__name__", "partial"), ts, 1);
            throw new IOException("disk on fire");
        });
        var good = new DelegateCollector("good", (app, ts) => app.Append(LabelSet.Of("__name__", "fine"), ts, 1));
        Loop(bad, good).CollectOnce();

        Assert.Empty(_storage.SamplesOf(Full("partial")));
        Assert.Single(_storage.SamplesOf(Full("fine")));
        Assert.Equal(1, _storage.Rollbacks);
    }

    [Fact]
    public void CollectOnce_FailedCollection_DoesNotMarkSeriesStale()
    {
        bool fail = false;
        var c = new DelegateCollector("c", (app, ts) =>
        {
            if (fail)
            {
                throw new IOException("transient");
            }
            app.Append(LabelSet.Of("__name__", "m"), ts, 1);
        });
        var loop = Loop(c);
        loop.CollectOnce();
        fail = true;
        _clock.Advance(TimeSpan.FromSeconds(5));
        loop.CollectOnce();
        fail = false;
        _clock.Advance(TimeSpan.FromSeconds(5));
        loop.CollectOnce();

        Assert.All(_storage.SamplesOf(Full("m")), s => Assert.Equal(1, s.V));
        Assert.Equal(2, _storage.SamplesOf(Full("m")).Count);
    }

    [Fact]
    public void CollectOnce_RefusedSample_IsReportedButOthersKept()
    {
        var c = new DelegateCollector("c", (app, ts) =>
        {
            var r = SeriesRef.None;
            Assert.True(app.TryAppend(ref r, LabelSet.Of("__name__", "dup"), ts, 1, out _));
            Assert.False(app.TryAppend(ref r, LabelSet.Of("__name__", "dup"), ts, 2, out var error));
            Assert.Equal(AppendError.DuplicateTimestamp, error);
            app.Append(LabelSet.Of("__name__", "other"), ts, 3);
        });
        Loop(c).CollectOnce();
        Assert.Equal([new Sample(1_700_000_000_000, 1)], _storage.SamplesOf(Full("dup")));
        Assert.Single(_storage.SamplesOf(Full("other")));
    }

    [Fact]
    public void Collector_CallingCommitItself_IsAnError()
    {
        var c = new DelegateCollector("c", (app, ts) => app.Commit());
        Loop(c).CollectOnce();
        Assert.Equal(1, _storage.Rollbacks);
    }
}
