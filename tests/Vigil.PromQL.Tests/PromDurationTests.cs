using Vigil.Core.Model;
using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

public sealed class PromDurationTests
{
    [Theory]
    [InlineData("1h30m", 5_400_000L)]
    [InlineData("1y2w3d4h5m6s7ms", 33_019_506_007L)]
    [InlineData("0", 0L)]
    public void TryParse_ValidText_GivesSameMillisecondsAsTheConfigParser(string text, long expected)
    {
        Assert.True(PromDuration.TryParse(text, out long ms, out _));
        Assert.Equal(expected, ms);
        Assert.True(PrometheusDuration.TryParse(text, out var span, out _));
        Assert.Equal(expected, (long)span.TotalMilliseconds);
    }

    [Theory]
    [InlineData("", "empty duration string")]
    [InlineData("5", "not a valid duration string: \"5\"")]
    [InlineData("1m1h", "not a valid duration string: \"1m1h\"")]
    [InlineData("5S", "not a valid duration string: \"5S\"")]
    [InlineData("9999999999999999999y", "duration out of range")]
    public void TryParse_BadText_GivesPrometheusMessage(string text, string message)
    {
        Assert.False(PromDuration.TryParse(text, out _, out string error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Format_NinetyDays_PrintsDaysAsPrometheusDoes()
    {
        Assert.Equal("90d", PromDuration.Format(90L * 24 * 3600 * 1000));
        Assert.Equal("2w", PromDuration.Format(14L * 24 * 3600 * 1000));
        Assert.Equal("-1m30s", PromDuration.Format(-90_000));
    }

    [Fact]
    public void Format_ConfigDurations_KeepTheirLargestUnitsFirst()
        => Assert.Equal("12w6d", PrometheusDuration.Format(TimeSpan.FromDays(90)));
}
