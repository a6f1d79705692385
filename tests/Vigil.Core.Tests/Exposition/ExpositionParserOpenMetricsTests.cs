using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using static Vigil.Core.Tests.Exposition.ExpositionTestHelpers;

namespace Vigil.Core.Tests.Exposition;

/// <summary>The OpenMetrics 1.0 side of <see cref="ExpositionParser"/>.</summary>
public sealed class ExpositionParserOpenMetricsTests
{
    [Fact]
    public void ParseFamilies_OneHistogramFile_OneHistogramWithExemplarsIgnored()
    {
        var families = ExpositionParser.ParseFamilies(TextFormatFile("1histogram.om.txt"), OpenMetrics);

        var family = Assert.Single(families);
        Assert.Equal("golang_manual_histogram_seconds", family.Name);
        Assert.Equal(MetricType.Histogram, family.Type);
        Assert.Equal("This is a histogram with manually selected parameters", family.Help);
        Assert.Equal(42, family.Samples.Count);
        var sum = family.Samples.Single(s => s.Labels.Name == "golang_manual_histogram_seconds_sum" && s.Labels.Get("port") == "5002");
        Assert.Equal(10.0, sum.Value);
        var bucket = family.Samples.First(s => s.Labels.Get("le") == "10.0");
        Assert.Equal(1, bucket.Value);
        Assert.Equal(LabelSet.Of("__name__", "golang_manual_histogram_seconds_bucket", "address", "0.0.0.0", "generation", "20", "port", "5001", "le", "10.0"), bucket.Labels);
    }

    [Fact]
    public void ParseFamilies_AllTypes5File_FiveFamiliesWithCreatedSeries()
    {
        var families = ExpositionParser.ParseFamilies(TextFormatFile("alltypes.5mfs.om.txt"), OpenMetrics);

        Assert.Equal(
            ["go_build_info:Gauge:1", "promhttp_metric_handler_errors:Counter:4", "rpc_durations_histogram_seconds:Histogram:24",
             "rpc_durations_seconds:Summary:18", "rpc_requests:Counter:6"],
            families.Select(f => $"{f.Name}:{f.Type}:{f.Samples.Count}"));
        var created = families[1].Samples.Single(s => s.Labels.Name == "promhttp_metric_handler_errors_created" && s.Labels.Get("cause") == "encoding");
        Assert.Equal(1.726839813016397e+09, created.Value);
        var bucket = families[2].Samples.Single(s => s.Labels.Get("le") == "-0.0002899999999999998");
        Assert.Equal(3, bucket.Value);
        Assert.Equal(-8.452185437166741e-05, families[2].Samples.Single(s => s.Labels.Name.EndsWith("_sum", StringComparison.Ordinal)).Value);
        var quantile = families[3].Samples.First();
        Assert.Equal(LabelSet.Of("__name__", "rpc_durations_seconds", "service", "exponential", "quantile", "0.5"), quantile.Labels);
        Assert.Equal(7.689368882420941e-07, quantile.Value);
    }

    [Fact]
    public void SkipCreatedSeries_AllTypes5File_DropsTheNineCreatedSamples()
    {
        var parser = new ExpositionParser(TextFormatFile("alltypes.5mfs.om.txt"), OpenMetrics) { SkipCreatedSeries = true };
        int samples = 0;
        while (parser.Next() != ExpositionEntry.EndOfInput)
        {
            if (parser.Entry == ExpositionEntry.Series)
            {
                Assert.False(parser.GetMetricName().EndsWith("_created", StringComparison.Ordinal));
                samples++;
            }
        }

        Assert.Equal(53 - 9, samples);
    }

    [Fact]
    public void MetricType_CreatedAndTotalSuffixes_BelongToTheCounter()
    {
        var parser = Parser("# TYPE foo counter\nfoo_total 1\nfoo_created 1.5e9\nfoo_bar 2\n# EOF\n", OpenMetrics);

        parser.Next();
        parser.Next();
        Assert.Equal((MetricType.Counter, false), (parser.MetricType, parser.IsCreatedSeries));
        parser.Next();
        Assert.Equal((MetricType.Counter, true), (parser.MetricType, parser.IsCreatedSeries));
        Assert.Equal(1.5e9, parser.Value);
        parser.Next();
        Assert.Equal((MetricType.Unknown, false), (parser.MetricType, parser.IsCreatedSeries));
    }

    [Fact]
    public void MetricType_OpenMetricsOnlyTypes_AreRecognised()
    {
        var samples = Samples(
            "# TYPE gh gaugehistogram\ngh_bucket{le=\"1\"} 1\ngh_gsum 2\ngh_gcount 1\ngh_sum 5\n" +
            "# TYPE build info\nbuild_info{version=\"1.2\"} 1\n" +
            "# TYPE state stateset\nstate{state=\"a\"} 1\nstate{state=\"b\"} 0\n" +
            "# TYPE thing unknown\nthing 3\n# EOF\n",
            OpenMetrics);

        Assert.Equal(
            ["gh_bucket:GaugeHistogram", "gh_gsum:GaugeHistogram", "gh_gcount:GaugeHistogram", "gh_sum:Unknown",
             "build_info:Info", "state:StateSet", "state:StateSet", "thing:Unknown"],
            samples.Select(s => $"{s.Labels.Name}:{s.Type}"));
        // Only classic histograms normalise le, as in Prometheus.
        Assert.Equal("1", samples[0].Labels.Get("le"));
    }

    [Fact]
    public void Next_Unit_ExposesUnitOfFamily()
    {
        var parser = Parser("# TYPE req_seconds histogram\n# UNIT req_seconds seconds\n# HELP req_seconds Latency \\\"quoted\\\" \\\\ \\n.\nreq_seconds_count 1\n# EOF\n", OpenMetrics);

        Assert.Equal(ExpositionEntry.Type, parser.Next());
        Assert.Equal(ExpositionEntry.Unit, parser.Next());
        Assert.Equal("req_seconds", parser.GetMetricName());
        Assert.Equal("seconds", parser.GetText());
        Assert.Equal(ExpositionEntry.Help, parser.Next());
        Assert.Equal("Latency \"quoted\" \\ \n.", parser.GetText());
        Assert.Equal(ExpositionEntry.Series, parser.Next());
        Assert.Equal(MetricType.Histogram, parser.MetricType);
        Assert.Equal(ExpositionEntry.EndOfInput, parser.Next());
    }

    [Fact]
    public void Next_EmptyUnit_IsAllowed()
    {
        var parser = Parser("# UNIT foo \n# EOF\n", OpenMetrics);

        Assert.Equal(ExpositionEntry.Unit, parser.Next());
        Assert.Equal(string.Empty, parser.GetText());
    }

    [Theory]
    [InlineData("1520879607.789", 1520879607789L)]
    [InlineData("1520879607", 1520879607000L)]
    [InlineData("1.5e3", 1500000L)]
    [InlineData("1.7268398130168908e+09", 1726839813016L)]
    [InlineData("0.0005", 0L)]
    [InlineData("-1.5", -1500L)]
    [InlineData("-0.0015", -1L)]
    public void TimestampMs_OpenMetricsSeconds_ConvertedToMilliseconds(string timestamp, long expectedMs)
    {
        var sample = Samples($"foo 1 {timestamp}\n# EOF\n", OpenMetrics).Single();

        Assert.Equal(expectedMs, sample.TimestampMs);
    }

    [Fact]
    public void Next_ExemplarsWithAndWithoutTimestamp_AreIgnored()
    {
        var samples = Samples(
            "# TYPE a counter\n" +
            "a_total 1 # {trace_id=\"abc\"} 0.5\n" +
            "a_total{x=\"y\"} 2 123.5 # {trace_id=\"def\",span=\"1\"} 0.7 123.4\n" +
            "a_total{x=\"z\"} 3 # {} 1\n# EOF",
            OpenMetrics);

        Assert.Equal([1.0, 2.0, 3.0], samples.Select(s => s.Value));
        Assert.Equal([null, 123500L, null], samples.Select(s => s.TimestampMs));
        Assert.Equal(LabelSet.Of("__name__", "a_total", "x", "y"), samples[1].Labels);
    }

    [Fact]
    public void Next_QuotedNames_WorkInOpenMetrics()
    {
        var parser = Parser("# TYPE \"my.counter\" counter\n{\"my.counter_total\",\"a.b\"=\"c\"} 1\n# EOF\n", OpenMetrics);

        parser.Next();
        Assert.Equal("my.counter", parser.GetMetricName());
        parser.Next();
        Assert.Equal(LabelSet.Of("__name__", "my.counter_total", "a.b", "c"), parser.BuildLabelSet());
        Assert.Equal(MetricType.Counter, parser.MetricType);
    }

    [Fact]
    public void Next_EofWithoutTrailingNewline_EndsInput()
    {
        var parser = Parser("a 1\n# EOF", OpenMetrics);

        Assert.Equal(ExpositionEntry.Series, parser.Next());
        Assert.Equal(ExpositionEntry.EndOfInput, parser.Next());
        Assert.Equal(ExpositionEntry.EndOfInput, parser.Next());
    }

    [Fact]
    public void Next_SameBodyAsText_ParsesWithoutEof()
    {
        const string Body = "# TYPE a gauge\na{b=\"c\"} 1\n";

        Assert.Single(Samples(Body, Text));
        Assert.Equal("line 3, column 1: expected \"# EOF\" at the end of the input", ParseError(Body, OpenMetrics).Message);
    }

    [Theory]
    [InlineData("foo 1\n", "line 2, column 1: expected \"# EOF\" at the end of the input")]
    [InlineData("", "line 1, column 1: expected \"# EOF\" at the end of the input")]
    [InlineData("foo 1", "line 1, column 6: expected \"# EOF\" at the end of the input")]
    [InlineData("# HELP foo bar", "line 1, column 15: expected \"# EOF\" at the end of the input")]
    [InlineData("# EOF\nfoo 1\n", "line 2, column 1: unexpected content after \"# EOF\"")]
    [InlineData("# EOF\n\n", "line 2, column 1: unexpected content after \"# EOF\"")]
    [InlineData("# EOFX\n", "line 1, column 6: unexpected content after \"# EOF\"")]
    [InlineData("foo 1\n\n# EOF\n", "line 2, column 1: unexpected empty line (OpenMetrics allows none)")]
    [InlineData(" foo 1\n# EOF\n", "line 1, column 1: expected a metric name, '{' or '#'")]
    [InlineData("# a comment\n# EOF\n", "line 1, column 1: expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\" (OpenMetrics allows no other comments)")]
    [InlineData("#EOF\n", "line 1, column 1: expected \"# HELP\", \"# TYPE\", \"# UNIT\" or \"# EOF\" (OpenMetrics allows no other comments)")]
    [InlineData("foo  1\n# EOF\n", "line 1, column 5: expected a sample value")]
    [InlineData("foo\t1\n# EOF\n", "line 1, column 4: expected a single space and the sample value")]
    [InlineData("foo {a=\"1\"} 1\n# EOF\n", "line 1, column 5: invalid sample value \"{a=\\\"1\\\"}\"")]
    [InlineData("foo{a=\"1\", b=\"2\"} 1\n# EOF\n", "line 1, column 11: expected a label name or '}'")]
    [InlineData("foo{a=\"1\" } 1\n# EOF\n", "line 1, column 10: expected ',' or '}' after the value of label \"a\"")]
    [InlineData("foo{a = \"1\"} 1\n# EOF\n", "line 1, column 6: expected '=' after label name \"a\"")]
    [InlineData("foo 1 abc\n# EOF\n", "line 1, column 7: invalid timestamp \"abc\" (expected seconds)")]
    [InlineData("foo 1 \n# EOF\n", "line 1, column 7: expected a timestamp or an exemplar after the sample value")]
    [InlineData("foo 1 1 2\n# EOF\n", "line 1, column 9: expected an exemplar (\"# {\") or the end of the line after the timestamp")]
    [InlineData("foo 1 +Inf\n# EOF\n", "line 1, column 7: invalid timestamp \"+Inf\" (expected seconds)")]
    [InlineData("foo_total 1 # {a=\"b\"}\n# EOF\n", "line 1, column 22: expected a single space and the exemplar value")]
    [InlineData("foo_total 1 # {a=\"b\"} x\n# EOF\n", "line 1, column 23: invalid exemplar value \"x\"")]
    [InlineData("foo_total 1 # {a=\"b\"} 1 x\n# EOF\n", "line 1, column 25: invalid exemplar timestamp \"x\" (expected seconds)")]
    [InlineData("foo_total 1 # {a=\"b\"} 1 2 3\n# EOF\n", "line 1, column 26: expected the end of the line after the exemplar")]
    [InlineData("foo_total 1 #{a=\"b\"} 1\n# EOF\n", "line 1, column 13: expected \"# {\" to start an exemplar")]
    [InlineData("foo_total 1 # {\"name\"} 1\n# EOF\n", "line 1, column 22: expected '=' after exemplar label name (an exemplar has no metric name)")]
    [InlineData("foo{a=\"x\ny\"} 1\n# EOF\n", "line 1, column 9: unterminated value of label \"a\" (expected '\"')")]
    [InlineData("# UNIT foo_seconds bytes\n# EOF\n", "line 1, column 20: unit \"bytes\" is not a suffix of metric name \"foo_seconds\" (expected the name to end in \"_bytes\")")]
    [InlineData("# UNIT seconds seconds\n# EOF\n", "line 1, column 16: unit \"seconds\" is not a suffix of metric name \"seconds\" (expected the name to end in \"_seconds\")")]
    [InlineData("# TYPE foo untyped\n# EOF\n", "line 1, column 12: invalid metric type \"untyped\" (expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown)")]
    [InlineData("# TYPE foo counter \n# EOF\n", "line 1, column 12: invalid metric type \"counter \" (expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown)")]
    [InlineData("# HELP foo\n# EOF\n", "line 1, column 11: expected a single space after the metric name in HELP")]
    [InlineData("# TYPE foo counter\nfoo_total 1\nfoo_total{a=\"1\",a=\"2\"} 2\n# EOF\n", "line 3, column 17: duplicate label name \"a\"")]
    public void Next_MalformedOpenMetrics_ThrowsWithLineAndColumn(string payload, string expected)
    {
        Assert.Equal(expected, ParseError(payload, OpenMetrics).Message);
    }

    [Fact]
    public void Next_ContentAfterEofInRealFile_IsRejected()
    {
        byte[] file = TextFormatFile("1histogram.om.txt");
        byte[] extended = [.. file, .. "\nextra 1\n"u8];
        int lines = Encoding.UTF8.GetString(file).Split('\n').Length;

        var error = ParseError(extended, OpenMetrics);

        // The file ends in "# EOF" without a line break: the added "\n" ends that line, "extra" starts the next.
        Assert.Equal($"line {lines + 1}, column 1: unexpected content after \"# EOF\"", error.Message);
    }

    [Fact]
    public void Next_RealFileWithoutEof_IsRejected()
    {
        string file = Encoding.UTF8.GetString(TextFormatFile("alltypes.5mfs.om.txt"));
        string truncated = file[..file.LastIndexOf("# EOF", StringComparison.Ordinal)];
        int lines = truncated.Split('\n').Length;

        Assert.Equal($"line {lines}, column 1: expected \"# EOF\" at the end of the input", ParseError(truncated, OpenMetrics).Message);
    }
}
