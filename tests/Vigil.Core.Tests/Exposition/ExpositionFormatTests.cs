using Vigil.Core.Exposition;

namespace Vigil.Core.Tests.Exposition;

public sealed class ExpositionFormatTests
{
    [Theory]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", ExpositionFormatKind.OpenMetrics)]
    [InlineData("application/openmetrics-text;version=0.0.1", ExpositionFormatKind.OpenMetrics)]
    [InlineData("application/openmetrics-text", ExpositionFormatKind.OpenMetrics)]
    [InlineData("Application/OpenMetrics-Text; Version=1.0.0", ExpositionFormatKind.OpenMetrics)]
    [InlineData("  application/openmetrics-text  ;charset=utf-8", ExpositionFormatKind.OpenMetrics)]
    [InlineData("text/plain; version=0.0.4; charset=utf-8", ExpositionFormatKind.PrometheusText)]
    [InlineData("text/plain;version=1.0.0;escaping=allow-utf-8", ExpositionFormatKind.PrometheusText)]
    [InlineData("text/plain", ExpositionFormatKind.PrometheusText)]
    [InlineData("application/json", ExpositionFormatKind.PrometheusText)]
    [InlineData("application/openmetrics-textual", ExpositionFormatKind.PrometheusText)]
    [InlineData("", ExpositionFormatKind.PrometheusText)]
    [InlineData(null, ExpositionFormatKind.PrometheusText)]
    public void FromContentType_PicksOpenMetricsOnlyForItsMediaType(string? contentType, ExpositionFormatKind expected)
    {
        Assert.Equal(expected, ExpositionFormat.FromContentType(contentType));
    }

    [Fact]
    public void ScrapeAcceptHeader_IsPrometheusDefault()
    {
        Assert.Equal(
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5," +
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            ExpositionFormat.ScrapeAcceptHeader);
    }

    [Theory]
    [InlineData(ExpositionFormat.ScrapeAcceptHeader, ExpositionFormatKind.OpenMetrics)]
    [InlineData("application/openmetrics-text", ExpositionFormatKind.OpenMetrics)]
    [InlineData("text/plain;version=0.0.4;q=0.3,*/*;q=0.2", ExpositionFormatKind.PrometheusText)]
    [InlineData("application/openmetrics-text;q=0.1,text/plain;q=0.9", ExpositionFormatKind.PrometheusText)]
    [InlineData("application/openmetrics-text;q=0", ExpositionFormatKind.PrometheusText)]
    [InlineData("*/*", ExpositionFormatKind.PrometheusText)]
    [InlineData("", ExpositionFormatKind.PrometheusText)]
    [InlineData(null, ExpositionFormatKind.PrometheusText)]
    public void FromAcceptHeader_ServesOpenMetricsWhenPreferred(string? accept, ExpositionFormatKind expected)
    {
        Assert.Equal(expected, ExpositionFormat.FromAcceptHeader(accept));
    }

    [Fact]
    public void ContentType_RoundTripsThroughFromContentType()
    {
        foreach (var kind in Enum.GetValues<ExpositionFormatKind>())
        {
            Assert.Equal(kind, ExpositionFormat.FromContentType(ExpositionFormat.ContentType(kind)));
        }
    }
}
