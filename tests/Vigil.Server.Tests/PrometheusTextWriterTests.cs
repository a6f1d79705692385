using Vigil.Server.Metrics;

namespace Vigil.Server.Tests;

public class PrometheusTextWriterTests
{
    [Fact]
    public void Write_EscapesAndSpecialValues_AsTextFormat004()
    {
        var f = new MetricFamily("odd_metric", MetricType.Gauge, "Help with \\ and\nnewline \"quotes\".")
            .Add(double.PositiveInfinity, "path", "C:\\dir", "msg", "say \"hi\"\nbye")
            .Add(double.NegativeInfinity, "k", "b")
            .Add(double.NaN, "k", "c")
            .Add(1e-5, "k", "d")
            .Add(123456789012, "k", "e");
        Assert.Equal(
            "# HELP odd_metric Help with \\\\ and\\nnewline \"quotes\".\n" +
            "# TYPE odd_metric gauge\n" +
            "odd_metric{msg=\"say \\\"hi\\\"\\nbye\",path=\"C:\\\\dir\"} +Inf\n" +
            "odd_metric{k=\"b\"} -Inf\n" +
            "odd_metric{k=\"c\"} NaN\n" +
            "odd_metric{k=\"d\"} 1E-05\n" +
            "odd_metric{k=\"e\"} 123456789012\n",
            PrometheusTextWriter.Write([f]));
    }
}
