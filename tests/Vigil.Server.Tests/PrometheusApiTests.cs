using Vigil.Server.Api;

namespace Vigil.Server.Tests;

public class PrometheusApiTests
{
    [Theory]
    [InlineData("U__my_2e_label", "my.label")]
    [InlineData("U__a__b", "a_b")]
    [InlineData("U___1F600_", "😀")]
    [InlineData("U__plain", "plain")]
    [InlineData("U__bad_zz_", "U__bad_zz_")]
    [InlineData("U__open_2e", "U__open_2e")]
    [InlineData("U___D800_", "U___D800_")]
    public void UnescapeLabelName_PrometheusValueEncoding(string escaped, string expected)
        => Assert.Equal(expected, PrometheusApi.UnescapeLabelName(escaped));
}
