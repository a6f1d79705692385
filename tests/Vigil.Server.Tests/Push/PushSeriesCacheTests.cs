using System.Globalization;
using System.Text;
using Vigil.Collection.Push;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Server.Tests.Push;

public sealed class PushSeriesCacheTests
{
    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"series{{k=\"{i}\"}}");

    private static LabelSet Labels(int i) => LabelSet.Of("__name__", "series", "k", i.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public void Add_ManyMoreSeriesThanTheBound_CountStaysWithinTheBound()
    {
        // Series churn (every request a new pod name) must not grow the cache without limit.
        var cache = new PushSeriesCache(maxEntries: 320);
        for (int i = 0; i < 50_000; i++)
        {
            cache.Add(Key(i), Labels(i)).Ref = new SeriesRef((ulong)i + 1);
        }
        Assert.InRange(cache.Count, 1, 320);
        var last = cache.Get(Key(49_999));
        Assert.NotNull(last);
        Assert.Equal(Labels(49_999), last.Labels);
        Assert.Equal(50_000UL, last.Ref.Value);
    }

    [Fact]
    public void Get_ConcurrentSendersWithChurn_EveryHitIsTheSeriesOfItsKey()
    {
        var cache = new PushSeriesCache(maxEntries: 1024);
        int wrong = 0, hits = 0;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            for (int n = 0; n < 100_000; n++)
            {
                int i = random.Next(4096);
                var key = Key(i);
                if (cache.Get(key) is { } entry)
                {
                    Interlocked.Increment(ref hits);
                    if (!entry.Labels.Equals(Labels(i)))
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                else
                {
                    cache.Add(key, Labels(i));
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, wrong);
        Assert.True(hits > 0);
        Assert.InRange(cache.Count, 1, 1024);
    }

    [Fact]
    public void Get_KeysThatDifferOnlyInTheMiddle_AreDifferentSeries()
    {
        // The shard is picked from a few bytes of the key; keys equal there must still be told apart by the whole key.
        var cache = new PushSeriesCache();
        var a = Encoding.UTF8.GetBytes("prefix-AAAA-0000000000000000-middle-x-0000000000000000-suffix");
        var b = Encoding.UTF8.GetBytes("prefix-AAAA-0000000000000000-middle-y-0000000000000000-suffix");
        cache.Add(a, Labels(1));
        Assert.Null(cache.Get(b));
        cache.Add(b, Labels(2));
        Assert.Equal(Labels(1), cache.Get(a)!.Labels);
        Assert.Equal(Labels(2), cache.Get(b)!.Labels);
    }
}
