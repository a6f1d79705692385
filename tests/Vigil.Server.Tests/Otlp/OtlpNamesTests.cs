using Vigil.Collection.Otlp;

namespace Vigil.Server.Tests.Otlp;

/// <summary>
/// OTLP names become Prometheus names exactly as Prometheus 3's OTLP receiver makes them: the cases below are the
/// examples of Prometheus's <c>otlptranslator</c> tests and of its OTLP guide.
/// </summary>
public sealed class OtlpNamesTests
{
    private const OtlpTranslationStrategy Escaped = OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes;
    private const OtlpTranslationStrategy EscapedNoSuffixes = OtlpTranslationStrategy.UnderscoreEscapingWithoutSuffixes;
    private const OtlpTranslationStrategy Utf8 = OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes;

    [Theory]
    // Escaping without suffixes.
    [InlineData(EscapedNoSuffixes, "simple_metric", "", OtlpMetricKind.Gauge, "simple_metric")]
    [InlineData(EscapedNoSuffixes, "metric@with#special$chars", "", OtlpMetricKind.Gauge, "metric_with_special_chars")]
    [InlineData(EscapedNoSuffixes, "123metric", "", OtlpMetricKind.Gauge, "_123metric")]
    [InlineData(EscapedNoSuffixes, "metric@@##$$name", "", OtlpMetricKind.Gauge, "metric_name")]
    [InlineData(EscapedNoSuffixes, "requests", "s", OtlpMetricKind.Counter, "requests")]
    // Escaping with suffixes (the default).
    [InlineData(Escaped, "requests", "", OtlpMetricKind.Counter, "requests_total")]
    [InlineData(Escaped, "cpu_usage", "1", OtlpMetricKind.Gauge, "cpu_usage_ratio")]
    [InlineData(Escaped, "items", "1", OtlpMetricKind.Counter, "items_total")]
    [InlineData(Escaped, "response_time", "ms", OtlpMetricKind.Gauge, "response_time_milliseconds")]
    [InlineData(Escaped, "memory_usage", "By", OtlpMetricKind.Gauge, "memory_usage_bytes")]
    [InlineData(Escaped, "requests", "1/s", OtlpMetricKind.Gauge, "requests_per_second")]
    [InlineData(Escaped, "throughput", "By/s", OtlpMetricKind.Gauge, "throughput_bytes_per_second")]
    [InlineData(Escaped, "custom_metric", "custom_unit", OtlpMetricKind.Gauge, "custom_metric_custom_unit")]
    [InlineData(Escaped, "custom_metric", "{custom}", OtlpMetricKind.Gauge, "custom_metric")]
    [InlineData(Escaped, "custom_metric", "By/{custom}", OtlpMetricKind.Gauge, "custom_metric_bytes")]
    [InlineData(Escaped, "requests_total", "", OtlpMetricKind.Counter, "requests_total")]
    [InlineData(Escaped, "cpu_usage_ratio", "1", OtlpMetricKind.Gauge, "cpu_usage_ratio")]
    [InlineData(Escaped, "response_time_seconds", "s", OtlpMetricKind.Gauge, "response_time_seconds")]
    [InlineData(Escaped, "metric__with__multiple__underscores", "unit__multiple__underscores", OtlpMetricKind.Gauge, "metric_with_multiple_underscores_unit_multiple_underscores")]
    [InlineData(Escaped, "custom_metric", "unit@with#special/chars", OtlpMetricKind.Gauge, "custom_metric_unit_with_special_per_chars")]
    [InlineData(Escaped, "request_duration", "s", OtlpMetricKind.Histogram, "request_duration_seconds")]
    [InlineData(Escaped, "request_size", "By", OtlpMetricKind.ExponentialHistogram, "request_size_bytes")]
    [InlineData(Escaped, "response_time", "ms", OtlpMetricKind.Summary, "response_time_milliseconds")]
    [InlineData(Escaped, "uptime", "d", OtlpMetricKind.Gauge, "uptime_days")]
    [InlineData(Escaped, "http.server.duration", "s", OtlpMetricKind.Histogram, "http_server_duration_seconds")]
    [InlineData(Escaped, "requests.count", "1", OtlpMetricKind.Counter, "requests_count_total")]
    [InlineData(Escaped, "memory.usage", "By", OtlpMetricKind.Gauge, "memory_usage_bytes")]
    [InlineData(Escaped, "system.cpu.utilization", "1", OtlpMetricKind.Gauge, "system_cpu_utilization_ratio")]
    [InlineData(Escaped, "total.requests", "{request}", OtlpMetricKind.Counter, "requests_total")]
    [InlineData(Escaped, "temperature", "Cel", OtlpMetricKind.Gauge, "temperature_celsius")]
    // UTF-8 names with suffixes.
    [InlineData(Utf8, "requêsts", "", OtlpMetricKind.Counter, "requêsts_total")]
    [InlineData(Utf8, "cpu_usagé", "1", OtlpMetricKind.Gauge, "cpu_usagé_ratio")]
    [InlineData(Utf8, "respønse_time", "ms", OtlpMetricKind.Gauge, "respønse_time_milliseconds")]
    [InlineData(Utf8, "requêsts", "1/s", OtlpMetricKind.Gauge, "requêsts_per_second")]
    [InlineData(Utf8, "@#$%", "", OtlpMetricKind.Counter, "@#$%_total")]
    [InlineData(Utf8, "cpu_seconds_total", "s", OtlpMetricKind.Counter, "cpu_seconds_total")]
    [InlineData(Utf8, "http.server.duration", "s", OtlpMetricKind.Histogram, "http.server.duration_seconds")]
    // No translation at all.
    [InlineData(OtlpTranslationStrategy.NoTranslation, "http.server.duration", "s", OtlpMetricKind.Histogram, "http.server.duration")]
    [InlineData(OtlpTranslationStrategy.NoTranslation, "requests", "", OtlpMetricKind.Counter, "requests")]
    public void MetricName_PrometheusExamples_Match(OtlpTranslationStrategy strategy, string name, string unit, OtlpMetricKind kind, string expected)
    {
        Assert.Equal(expected, OtlpNames.MetricName(name, unit, kind, strategy, out string error));
        Assert.Empty(error);
    }

    [Theory]
    [InlineData(Escaped, "@#$%")]
    [InlineData(EscapedNoSuffixes, "@#$%")]
    [InlineData(Escaped, "")]
    [InlineData(OtlpTranslationStrategy.NoTranslation, "")]
    public void MetricName_NothingUsableLeft_RefusedWithTheName(OtlpTranslationStrategy strategy, string name)
    {
        Assert.Null(OtlpNames.MetricName(name, "", OtlpMetricKind.Gauge, strategy, out string error));
        Assert.Contains($"\"{name}\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http.method", "http_method")]
    [InlineData("123invalid", "key_123invalid")]
    [InlineData("_private", "key_private")]
    [InlineData("__reserved__", "__reserved__")]
    [InlineData("label:with:colons", "label_with_colons")]
    [InlineData("service.instance.id", "service_instance_id")]
    [InlineData("läbel", "l_bel")]
    [InlineData("a😀b", "a_b")]
    public void LabelName_Escaping_AsPrometheus(string key, string expected)
    {
        Assert.Equal(expected, OtlpNames.LabelName(key, Escaped, out _));
    }

    [Fact]
    public void LabelName_Utf8Strategy_KeepsTheKey()
    {
        Assert.Equal("http.method", OtlpNames.LabelName("http.method", Utf8, out _));
        Assert.Equal("läbel", OtlpNames.LabelName("läbel", OtlpTranslationStrategy.NoTranslation, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("...")]
    public void LabelName_NothingUsableLeft_Refused(string key)
    {
        Assert.Null(OtlpNames.LabelName(key, Escaped, out string error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("s", "seconds")]
    [InlineData("By/s", "bytes_per_second")]
    [InlineData("1", "")]
    [InlineData("{request}", "")]
    [InlineData("1/s", "per_second")]
    public void UnitName_AsPrometheusMetadata(string unit, string expected) => Assert.Equal(expected, OtlpNames.UnitName(unit, escape: true));
}
