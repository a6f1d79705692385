using Vigil.PromQL.Parser;

namespace Vigil.PromQL.Tests;

/// <summary><see cref="PromQLParser.Prettify"/> against the output of Prometheus 2.42's <c>/api/v1/format_query</c> for the same input.</summary>
public class PrettifyTests
{
    [Theory]
    [InlineData("up", "up")]
    [InlineData("sum(rate(x_total[5m])) by (job)", "sum by (job) (rate(x_total[5m]))")]
    [InlineData(
        "(sum by (job) (rate(http_requests_total{handler=\"/api/v1/query_range\",code=~\"5..\",instance=\"a\"}[5m])) > bool on (job) group_left (team) some_very_long_metric_name_info)",
        "(\n    sum by (job) (rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\",instance=\"a\"}[5m]))\n  > bool on (job) group_left (team)\n    some_very_long_metric_name_info\n)")]
    [InlineData(
        "sum without (instance) (rate(a_metric_with_a_long_name_total[5m])) + ignoring (code) sum without (instance) (rate(b_total[5m] offset 1h))",
        "  sum without (instance) (rate(a_metric_with_a_long_name_total[5m]))\n+ ignoring (code)\n  sum without (instance) (rate(b_total[5m] offset 1h))")]
    [InlineData(
        "label_replace(up{job=\"api-server\",instance=\"host-0001.example.com:9100\"}, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
        "label_replace(\n  up{instance=\"host-0001.example.com:9100\",job=\"api-server\"},\n  \"host\",\n  \"$1\",\n  \"instance\",\n  \"(.*):.*\"\n)")]
    [InlineData(
        "-max_over_time(rate(http_requests_total{handler=\"/api/v1/query_range\",code=~\"5..\",instance=\"localhost:9090\"}[5m])[1h:1m])",
        "-max_over_time(\n  rate(http_requests_total{code=~\"5..\",handler=\"/api/v1/query_range\",instance=\"localhost:9090\"}[5m])[1h:1m]\n)")]
    public void Prettify_MatchesPrometheus(string query, string expected)
        => Assert.Equal(expected, PromQLParser.Prettify(PromQLParser.ParseExpr(query)));

    [Fact]
    public void Prettify_Output_ParsesBackToTheSameExpression()
    {
        const string query = "topk(5, sum by (job, instance) (rate(http_requests_total{handler=\"/api/v1/query_range\",code=~\"5..\"}[5m])) / on (job) group_left sum by (job) (up))";
        string pretty = PromQLParser.Prettify(PromQLParser.ParseExpr(query));
        Assert.Contains('\n', pretty);
        Assert.Equal(PromQLParser.ParseExpr(query).ToString(), PromQLParser.ParseExpr(pretty).ToString());
    }
}
