using Vigil.Tsdb.Blocks;

namespace Vigil.Tsdb.Tests.Blocks;

public class UlidTests
{
    [Fact]
    public void ToString_Parse_RoundTripsAndEncodesTime()
    {
        var u = Ulid.NewUlid(1_469_918_176_385);
        string s = u.ToString();
        Assert.Equal(26, s.Length);
        Assert.StartsWith("01ARYZ6S41", s); // the ULID spec's example timestamp
        Assert.Equal(u, Ulid.Parse(s));
        Assert.Equal(u, Ulid.Parse(s.ToLowerInvariant()));
        Assert.Equal(1_469_918_176_385, u.TimestampMs);
    }

    [Fact]
    public void NewUlid_SameMillisecond_StrictlyIncreasing()
    {
        // Note: a sequence of its own, since tests running in parallel make ULIDs for other milliseconds.
        var sequence = new Ulid.Sequence();
        var prev = sequence.Next(1_700_000_000_000);
        for (int i = 0; i < 1000; i++)
        {
            var next = sequence.Next(1_700_000_000_000);
            Assert.True(next > prev);
            Assert.True(string.CompareOrdinal(next.ToString(), prev.ToString()) > 0);
            prev = next;
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FA")]
    [InlineData("81ARZ3NDEKTSV4RRFFQ69G5FAV")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FAU")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FA!")]
    public void TryParse_Malformed_ReturnsFalse(string s)
    {
        Assert.False(Ulid.TryParse(s, out _));
        Assert.Throws<FormatException>(() => Ulid.Parse(s));
    }
}
