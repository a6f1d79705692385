using System.Globalization;
using System.Text;
using Vigil.Collection.Push;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Push;

public sealed class TextPushReceiverTests
{
    private readonly MemoryStorage _storage = new();

    private (int Stored, string? Error) Push(TextPushReceiver receiver, string body, params Label[] extra)
        => receiver.Write(Encoding.UTF8.GetBytes(body), ExpositionFormatKind.PrometheusText, extra, 1_700_000_000_000);

    private static string Payload(int series, long t)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < series; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"node_network_receive_bytes_total{{device=\"eth{i % 4}\",instance=\"host-{i:D4}:9100\",job=\"node\"}} {i * 1000.5} {t}\n");
        }
        return sb.ToString();
    }

    [Fact]
    public void Write_KnownSeriesPushedAgain_AllocatesAlmostNothingPerSample()
    {
        var sink = new CountingAppendable();
        var receiver = new TextPushReceiver(sink, new PushedMetadata(), new PushSeriesCache());
        byte[] first = Encoding.UTF8.GetBytes(Payload(2000, 1_700_000_000_000));
        byte[] second = Encoding.UTF8.GetBytes(Payload(2000, 1_700_000_015_000));
        byte[] third = Encoding.UTF8.GetBytes(Payload(2000, 1_700_000_030_000));

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal((2000, null), receiver.Write(first, ExpositionFormatKind.PrometheusText, [], 0));
        long firstBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((2000, null), receiver.Write(second, ExpositionFormatKind.PrometheusText, [], 0)); // warm-up of the steady state
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal((2000, null), receiver.Write(third, ExpositionFormatKind.PrometheusText, [], 0));
        long steadyBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(steadyBytes / 2000.0 < 8, $"{steadyBytes} bytes allocated for 2,000 known series ({firstBytes} for the first push)");
        Assert.True(firstBytes > 20 * steadyBytes, $"first push {firstBytes} bytes, steady {steadyBytes} bytes");
        Assert.Equal(2000, sink.Labels.Count); // each series' one label set, reused for every push
        Assert.Equal(6000, sink.Samples);
    }

    [Fact]
    public void Write_SameLineWithOtherExtraLabels_StoresTwoSeries()
    {
        var receiver = new TextPushReceiver(_storage, new PushedMetadata(), new PushSeriesCache());
        Assert.Equal((1, null), Push(receiver, "jobs{queue=\"a\"} 1 1000\n", new Label("env", "prod")));
        Assert.Equal((1, null), Push(receiver, "jobs{queue=\"a\"} 2 2000\n", new Label("env", "dev")));
        Assert.Equal((1, null), Push(receiver, "jobs{queue=\"a\"} 3 3000\n", new Label("env", "prod")));
        var prod = LabelSet.Of("__name__", "jobs", "env", "prod", "queue", "a");
        var dev = LabelSet.Of("__name__", "jobs", "env", "dev", "queue", "a");
        Assert.Equal([dev, prod], _storage.AllSeries().Order());
        Assert.Equal([1.0, 3.0], _storage.SamplesOf(prod).Select(s => s.V));
        Assert.Equal([2.0], _storage.SamplesOf(dev).Select(s => s.V));
    }

    [Fact]
    public void Write_BucketLineTypedThenUntyped_KeepsEachTypesLabels()
    {
        var receiver = new TextPushReceiver(_storage, new PushedMetadata(), new PushSeriesCache());
        Assert.Equal((1, null), Push(receiver, "# TYPE lat histogram\nlat_bucket{le=\"1\"} 4 1000\n"));
        Assert.Equal((1, null), Push(receiver, "lat_bucket{le=\"1\"} 5 2000\n"));
        // A histogram's le is normalised (1 → 1.0); the same bytes without a TYPE line are not, as in Prometheus.
        Assert.Equal([4.0], _storage.SamplesOf(LabelSet.Of("__name__", "lat_bucket", "le", "1.0")).Select(s => s.V));
        Assert.Equal([5.0], _storage.SamplesOf(LabelSet.Of("__name__", "lat_bucket", "le", "1")).Select(s => s.V));
    }

    [Fact]
    public void Write_KnownSeriesOutOfOrder_StoresNothingAndNamesTheLine()
    {
        var receiver = new TextPushReceiver(_storage, new PushedMetadata(), new PushSeriesCache());
        Assert.Equal((2, null), Push(receiver, "a 1 5000\nb 1 5000\n"));
        var (stored, error) = Push(receiver, "b 2 6000\na 2 4000\n");
        Assert.Equal(0, stored);
        Assert.NotNull(error);
        Assert.Contains("line 2", error);
        Assert.Contains("out of order", error);
        Assert.Equal([1.0], _storage.SamplesOf(LabelSet.Of("__name__", "b")).Select(s => s.V));
    }

    /// <summary>Accepts every sample, keeps only counts and the distinct label sets (by reference).</summary>
    private sealed class CountingAppendable : IAppendable, IAppender
    {
        public HashSet<LabelSet> Labels { get; } = new(ReferenceEqualityComparer.Instance);

        public long Samples { get; private set; }

        public IAppender Appender() => this;

        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            Labels.Add(labels);
            Samples++;
            seriesRef = new SeriesRef(1);
            error = AppendError.None;
            return true;
        }

        public void Commit()
        {
        }

        public void Rollback()
        {
        }
    }
}
