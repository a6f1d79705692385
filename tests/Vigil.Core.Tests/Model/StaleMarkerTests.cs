using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.Core.Tests.Model;

public sealed class StaleMarkerTests
{
    [Fact]
    public void StaleNaN_HasPrometheusBitPattern()
    {
        Assert.Equal(0x7ff0000000000002UL, BitConverter.DoubleToUInt64Bits(StaleMarker.StaleNaN));
        Assert.True(double.IsNaN(StaleMarker.StaleNaN));
        Assert.True(StaleMarker.IsStaleNaN(StaleMarker.StaleNaN));
    }

    [Fact]
    public void IsStaleNaN_OrdinaryNaNsAndNumbers_AreNotStale()
    {
        Assert.False(StaleMarker.IsStaleNaN(double.NaN));
        Assert.False(StaleMarker.IsStaleNaN(BitConverter.UInt64BitsToDouble(StaleMarker.NormalNaNBits)));
        Assert.False(StaleMarker.IsStaleNaN(0));
        Assert.False(StaleMarker.IsStaleNaN(double.PositiveInfinity));
        Assert.False(StaleMarker.IsStaleNaN(BitConverter.UInt64BitsToDouble(0xfff0000000000002UL)));
    }

    [Fact]
    public void IsStaleNaN_ArithmeticOnTheMarker_DoesNotProduceAMarker()
    {
        double stale = StaleMarker.StaleNaN;

        double computed = (stale * 2) + 1;

        Assert.True(double.IsNaN(computed));
        Assert.False(StaleMarker.IsStaleNaN(computed));
    }

    [Fact]
    public void Sample_IsStale_OnlyForTheMarker()
    {
        Assert.True(new Sample(1, StaleMarker.StaleNaN).IsStale);
        Assert.False(new Sample(1, double.NaN).IsStale);
        Assert.False(new Sample(1, 0).IsStale);
    }

    [Fact]
    public void StaleNaN_SurvivesStorageInSeriesAndIterators()
    {
        var series = new ListSeries(LabelSet.Of("__name__", "m"), [new Sample(1, 1), new Sample(2, StaleMarker.StaleNaN), new Sample(3, double.NaN)]);

        var it = series.Iterator();
        var flags = new List<bool>();
        while (it.Next())
        {
            flags.Add(StaleMarker.IsStaleNaN(it.V));
        }

        Assert.Equal([false, true, false], flags);
    }
}
