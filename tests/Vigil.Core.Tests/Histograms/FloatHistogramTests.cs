using Vigil.Core.Histograms;
using Xunit;

namespace Vigil.Core.Tests.Histograms;

public sealed class FloatHistogramTests
{
    private static FloatHistogram Exp(int schema, int offset, params double[] buckets) => new()
    {
        Schema = schema,
        Count = buckets.Sum(),
        Sum = 10,
        PositiveSpans = [new HistogramSpan(offset, (uint)buckets.Length)],
        PositiveBuckets = buckets,
    };

    [Fact]
    public void TryAdd_DifferentSchemas_ResultHasTheCoarserSchemaWithMergedBuckets()
    {
        // Schema 1 buckets 1..4 are (2^0,2^0.5], (2^0.5,2], (2,2^1.5], (2^1.5,4]; at schema 0 they fall into (1,2] and (2,4].
        var fine = Exp(1, 1, 1, 2, 3, 4);
        var coarse = Exp(0, 1, 10, 20);
        Assert.True(FloatHistogram.TryAdd(fine, coarse, subtract: false, out var sum, out bool reconciled));
        Assert.False(reconciled);
        Assert.Equal(0, sum.Schema);
        Assert.Equal([new HistogramSpan(1, 2)], sum.PositiveSpans);
        Assert.Equal([13.0, 27.0], sum.PositiveBuckets);
        Assert.Equal(40, sum.Count);
    }

    [Fact]
    public void TryAdd_ExponentialAndCustomBuckets_Refused()
    {
        var custom = new FloatHistogram { Schema = FloatHistogram.CustomBucketsSchema, CustomValues = [1, 2], Count = 1 };
        Assert.False(FloatHistogram.TryAdd(Exp(0, 0, 1), custom, subtract: false, out _, out _));
    }

    [Fact]
    public void TryAdd_CustomBucketsWithDifferentBounds_AddsOnTheSharedBoundsAndSaysSo()
    {
        var a = new FloatHistogram { Schema = -53, CustomValues = [1, 2, 4], Count = 4, PositiveSpans = [new(0, 4)], PositiveBuckets = [1, 1, 1, 1] };
        var b = new FloatHistogram { Schema = -53, CustomValues = [2, 4], Count = 3, PositiveSpans = [new(0, 3)], PositiveBuckets = [1, 1, 1] };
        Assert.True(FloatHistogram.TryAdd(a, b, subtract: false, out var sum, out bool reconciled));
        Assert.True(reconciled);
        Assert.Equal([2.0, 4.0], sum.CustomValues);
        Assert.Equal([3.0, 2.0, 2.0], sum.PositiveBuckets);
    }

    [Fact]
    public void DetectReset_BucketWentDown_IsReset()
    {
        Assert.True(Exp(0, 0, 2, 5).DetectReset(Exp(0, 0, 3, 1)));
        Assert.False(Exp(0, 0, 3, 5).DetectReset(Exp(0, 0, 3, 1)));
    }

    [Fact]
    public void DetectReset_ExplicitHint_Wins()
    {
        var h = Exp(0, 0, 3, 5);
        h.CounterResetHint = CounterResetHint.CounterReset;
        Assert.True(h.DetectReset(Exp(0, 0, 1, 1)));
    }

    [Fact]
    public void Compact_EmptyBucketsAndAdjacentSpans_RemovedAndMerged()
    {
        var h = new FloatHistogram
        {
            PositiveSpans = [new HistogramSpan(0, 2), new HistogramSpan(0, 2)],
            PositiveBuckets = [0, 1, 2, 0],
        };
        var c = h.Compact();
        Assert.Equal([new HistogramSpan(1, 2)], c.PositiveSpans);
        Assert.Equal([1.0, 2.0], c.PositiveBuckets);
    }

    [Fact]
    public void ExponentialBound_Schema0And3_PowersOfTheBase()
    {
        Assert.Equal(1, FloatHistogram.ExponentialBound(0, 0));
        Assert.Equal(4, FloatHistogram.ExponentialBound(2, 0));
        Assert.Equal(Math.Pow(2, 1.0 / 8), FloatHistogram.ExponentialBound(1, 3), 15);
        Assert.Equal(0.25, FloatHistogram.ExponentialBound(-1, -1));
    }

    [Fact]
    public void ToString_ListsNonEmptyBucketsWithBounds()
    {
        Assert.Equal("{count:4, sum:10, (0.5,1]:1, (1,2]:3}", Exp(0, 0, 1, 3).ToString());
    }
}
