using Vigil.Core.Model;
using Vigil.Server.Config;

namespace Vigil.Server.Tests;

public class PrometheusDurationTests
{
    [Theory]
    [InlineData("5s", 5_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("250ms", 250)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1y", 31_536_000_000)]
    [InlineData("1h1m1s1ms", 3_661_001)]
    [InlineData("0", 0)]
    public void Parse_ValidDuration_ReturnsMilliseconds(string text, long ms)
        => Assert.Equal(ms, (long)PrometheusDuration.Parse(text).TotalMilliseconds);

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("s")]
    [InlineData("1.5s")]
    [InlineData("5 s")]
    [InlineData("30s1m")]
    [InlineData("1m1m")]
    [InlineData("-5s")]
    [InlineData("5S")]
    [InlineData("99999999999999999999s")]
    public void Parse_Invalid_ThrowsNamingText(string text)
    {
        var e = Assert.Throws<FormatException>(() => PrometheusDuration.Parse(text));
        if (text.Length > 0)
        {
            Assert.Contains($"\"{text}\"", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(5_000, "5s")]
    [InlineData(0, "0s")]
    [InlineData(86_400_250, "1d250ms")]
    public void Format_Milliseconds_PrometheusStyle(long ms, string expected)
        => Assert.Equal(expected, PrometheusDuration.Format(TimeSpan.FromMilliseconds(ms)));
}

public class ApiTimeTests
{
    [Theory]
    [InlineData("1700000000", 1_700_000_000_000)]
    [InlineData("1700000000.123", 1_700_000_000_123)]
    [InlineData("1700000000.1236", 1_700_000_000_124)]
    [InlineData("-1.5", -1_500)]
    [InlineData("1.7e9", 1_700_000_000_000)]
    [InlineData("2023-11-14T22:13:20Z", 1_700_000_000_000)]
    [InlineData("2023-11-14T22:13:20.123456789Z", 1_700_000_000_123)]
    [InlineData("2023-11-14T23:13:20.5+01:00", 1_700_000_000_500)]
    [InlineData("1970-01-01T00:00:00Z", 0)]
    public void TryParse_AcceptedForms_ReturnMilliseconds(string text, long expected)
    {
        Assert.True(ApiTime.TryParse(text, out long t));
        Assert.Equal(expected, t);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("NaN")]
    [InlineData("Inf")]
    [InlineData("2023-11-14 22:13:20Z")]
    [InlineData("2023-11-14T22:13:20")]
    [InlineData("2023-13-14T22:13:20Z")]
    [InlineData("2023-02-30T22:13:20Z")]
    [InlineData("2023-11-14T22:13:20.Z")]
    public void TryParse_Rejected(string text) => Assert.False(ApiTime.TryParse(text, out _));

    [Fact]
    public void FormatRfc3339_RoundTrips() => Assert.Equal("2023-11-14T22:13:20.123Z", ApiTime.FormatRfc3339(1_700_000_000_123));
}

public class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:9612", "127.0.0.1", 9612)]
    [InlineData("[::1]:80", "::1", 80)]
    [InlineData(":9612", "", 9612)]
    [InlineData("localhost:0", "localhost", 0)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    public void Parse_Valid(string text, string host, int port)
    {
        var a = ListenAddress.Parse(text);
        Assert.Equal(host, a.Host);
        Assert.Equal(port, a.Port);
    }

    [Theory]
    [InlineData("9612", "expected host:port")]
    [InlineData("127.0.0.1:http", "port \"http\"")]
    [InlineData("127.0.0.1:70000", "port \"70000\"")]
    [InlineData("example.com:80", "must be an IP address")]
    public void Parse_Invalid_Explains(string text, string fragment)
        => Assert.Contains(fragment, Assert.Throws<FormatException>(() => ListenAddress.Parse(text)).Message, StringComparison.Ordinal);
}
