using System.Buffers;
using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using static Vigil.Core.Tests.Exposition.ExpositionTestHelpers;

namespace Vigil.Core.Tests.Exposition;

public sealed class TextFormatWriterTests
{
    private static readonly double s_canonicalNaN = BitConverter.UInt64BitsToDouble(StaleMarker.NormalNaNBits);

    [Fact]
    public void Write_TextFormat_ExactOutput()
    {
        string output = WriteToString(SampleFamilies(), Text);

        Assert.Equal(
            "# HELP http_requests_total Total \\\\ \"requests\"\\nby code.\n" +
            "# TYPE http_requests_total counter\n" +
            "http_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} 1027 1395066363000\n" +
            "http_requests_total{code=\"500\"} NaN\n" +
            "# TYPE temp gauge\n" +
            "temp -Inf\n" +
            "temp +Inf\n" +
            "temp 1e+06\n" +
            "temp 1e-06\n" +
            "temp -0\n" +
            "temp 0.25 -1500\n" +
            "# HELP \"my.metric\" UTF-8 name\n" +
            "# TYPE \"my.metric\" untyped\n" +
            "{\"my.metric\",job=\"j\",\"label.x\"=\"v\"} 1.5\n" +
            "# TYPE req_seconds histogram\n" +
            "req_seconds_bucket{le=\"0.5\"} 3\n" +
            "req_seconds_bucket{le=\"+Inf\"} 4\n" +
            "req_seconds_sum 1.25\n" +
            "req_seconds_count 4\n",
            output);
    }

    [Fact]
    public void Write_OpenMetrics_ExactOutput()
    {
        string output = WriteToString(SampleFamilies(), OpenMetrics);

        Assert.Equal(
            "# HELP http_requests Total \\\\ \\\"requests\\\"\\nby code.\n" +
            "# TYPE http_requests counter\n" +
            "http_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} 1027.0 1395066363\n" +
            "http_requests_total{code=\"500\"} NaN\n" +
            "# TYPE temp gauge\n" +
            "temp -Inf\n" +
            "temp +Inf\n" +
            "temp 1e+06\n" +
            "temp 1e-06\n" +
            "temp -0.0\n" +
            "temp 0.25 -1.5\n" +
            "# HELP \"my.metric\" UTF-8 name\n" +
            "# TYPE \"my.metric\" unknown\n" +
            "{\"my.metric\",job=\"j\",\"label.x\"=\"v\"} 1.5\n" +
            "# TYPE req_seconds histogram\n" +
            "# UNIT req_seconds seconds\n" +
            "req_seconds_bucket{le=\"0.5\"} 3.0\n" +
            "req_seconds_bucket{le=\"+Inf\"} 4.0\n" +
            "req_seconds_sum 1.25\n" +
            "req_seconds_count 4.0\n" +
            "# EOF\n",
            output);
    }

    [Theory]
    [InlineData(1.0, "1", "1.0")]
    [InlineData(0.0, "0", "0.0")]
    [InlineData(-1.0, "-1", "-1.0")]
    [InlineData(0.1, "0.1", "0.1")]
    [InlineData(0.3, "0.3", "0.3")]
    [InlineData(1.0 / 3, "0.3333333333333333", "0.3333333333333333")]
    [InlineData(100.0, "100", "100.0")]
    [InlineData(123456.0, "123456", "123456.0")]
    [InlineData(999999.0, "999999", "999999.0")]
    [InlineData(1e6, "1e+06", "1e+06")]
    [InlineData(1234567.0, "1.234567e+06", "1.234567e+06")]
    [InlineData(123456.789, "123456.789", "123456.789")]
    [InlineData(0.0001, "0.0001", "0.0001")]
    [InlineData(0.00001, "1e-05", "1e-05")]
    [InlineData(0.000123, "0.000123", "0.000123")]
    [InlineData(1.5e-7, "1.5e-07", "1.5e-07")]
    [InlineData(-2.5, "-2.5", "-2.5")]
    [InlineData(9.03676723e+08, "9.03676723e+08", "9.03676723e+08")]
    [InlineData(1e21, "1e+21", "1e+21")]
    [InlineData(1e100, "1e+100", "1e+100")]
    [InlineData(9007199254740992.0, "9.007199254740992e+15", "9.007199254740992e+15")]
    [InlineData(5e-324, "5e-324", "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308", "1.7976931348623157e+308")]
    [InlineData(double.PositiveInfinity, "+Inf", "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf", "-Inf")]
    [InlineData(double.NaN, "NaN", "NaN")]
    public void WriteSample_Values_UseGoShortestFormat(double value, string text, string openMetrics)
    {
        Assert.Equal($"m {text}\n", WriteOne(value, Text));
        Assert.Equal($"m {openMetrics}\n", WriteOne(value, OpenMetrics));
    }

    [Fact]
    public void FormatDouble_EveryValueOfTheRealTextFile_ReproducesGoOutputExactly()
    {
        string file = Encoding.UTF8.GetString(TextFormatFile("alltypes.237mfs.prom.txt"));
        int checkedValues = 0;
        foreach (string line in file.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            string token = line[(line.LastIndexOf(' ') + 1)..];
            var sample = Samples(line).Single();
            Assert.Equal(token, WriteOne(sample.Value, Text)[2..^1]);
            checkedValues++;
        }
        Assert.Equal(1857, checkedValues);
    }

    [Fact]
    public void FormatDouble_EveryValueOfTheRealOpenMetricsFile_ReproducesGoOutputExactly()
    {
        string file = Encoding.UTF8.GetString(TextFormatFile("alltypes.5mfs.om.txt"));
        var values = new List<string>();
        foreach (string line in file.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int exemplar = line.IndexOf(" # ", StringComparison.Ordinal);
            string sampleText = exemplar < 0 ? line : line[..exemplar];
            values.Add(sampleText[(sampleText.LastIndexOf(' ') + 1)..]);
        }
        var parsed = Samples(TextFormatFile("alltypes.5mfs.om.txt"), OpenMetrics);
        var formatted = parsed.Select(s => WriteOne(s.Value, OpenMetrics)[2..^1]).ToList();

        // Go writes bucket and count values (integers) without ".0"; every float value must match exactly.
        Assert.Equal(values.Count, formatted.Count);
        for (int i = 0; i < values.Count; i++)
        {
            string expected = values[i].All(char.IsAsciiDigit) ? values[i] + ".0" : values[i];
            Assert.Equal(expected, formatted[i]);
        }
        Assert.Contains(values, v => v.Contains('e', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("alltypes.237mfs.prom.txt", ExpositionFormatKind.PrometheusText)]
    [InlineData("alltypes.237mfs.nometa.prom.txt", ExpositionFormatKind.PrometheusText)]
    [InlineData("alltypes.5mfs.om.txt", ExpositionFormatKind.OpenMetrics)]
    [InlineData("1histogram.om.txt", ExpositionFormatKind.OpenMetrics)]
    public void RoundTrip_RealFiles_ParseOfWriteEqualsParse(string file, ExpositionFormatKind format)
    {
        var original = ExpositionParser.ParseFamilies(TextFormatFile(file), format);

        var written = Write(original, format);
        var reparsed = ExpositionParser.ParseFamilies(written, format);

        AssertFamiliesEqual(original, reparsed);
    }

    [Fact]
    public void RoundTrip_RealTextFile_WrittenAgainIsByteIdentical()
    {
        // le and quantile normalisation happens on the first parse; afterwards writing is a fixed point.
        var once = Write(ExpositionParser.ParseFamilies(TextFormatFile("alltypes.237mfs.prom.txt"), Text), Text);
        var twice = Write(ExpositionParser.ParseFamilies(once, Text), Text);

        Assert.Equal(Encoding.UTF8.GetString(once), Encoding.UTF8.GetString(twice));
    }

    [Theory]
    [InlineData(ExpositionFormatKind.PrometheusText)]
    [InlineData(ExpositionFormatKind.OpenMetrics)]
    public void RoundTrip_EscapesUtf8NamesSpecialValuesAndTimestamps(ExpositionFormatKind format)
    {
        var families = new List<MetricFamily>
        {
            Family("weird", MetricType.Gauge, "help with \\ backslash, \"quotes\", \nnewline and ünïcödé 🚀",
                (LabelSet.Of("__name__", "weird", "a", "\\\"\n\t\r", "b", "ünïcödé 🚀", "c.d", "quoted name"), 1.0, 1700000000123),
                (LabelSet.Of("__name__", "weird", "a", "x"), double.NaN, -1),
                (LabelSet.Of("__name__", "weird", "a", "y"), double.PositiveInfinity, 0),
                (LabelSet.Of("__name__", "weird", "a", "z"), double.NegativeInfinity, null),
                (LabelSet.Of("__name__", "weird", "a", "w"), -0.0, null),
                (LabelSet.Of("__name__", "weird", "a", "v"), double.Epsilon, null),
                (LabelSet.Of("__name__", "weird", "a", "u"), double.MaxValue, null)),
            Family("ütf8.metric-name", MetricType.Counter, null,
                (LabelSet.Of("__name__", "ütf8.metric-name", "x", "1"), 42, null)),
            Family("empty_help", MetricType.Summary, string.Empty,
                (LabelSet.Of("__name__", "empty_help", "quantile", "0.5"), 0.1, null),
                (LabelSet.Of("__name__", "empty_help_sum"), 12, null),
                (LabelSet.Of("__name__", "empty_help_count"), 3, null)),
        };

        var reparsed = ExpositionParser.ParseFamilies(Write(families, format), format);

        AssertFamiliesEqual(families, reparsed);
    }

    [Fact]
    public void RoundTrip_TextFileThroughOpenMetrics_KeepsEverySample()
    {
        var original = ExpositionParser.ParseFamilies(TextFormatFile("alltypes.237mfs.prom.txt"), Text);

        var viaOpenMetrics = ExpositionParser.ParseFamilies(Write(original, OpenMetrics), OpenMetrics);

        Assert.Equal(original.Count, viaOpenMetrics.Count);
        var before = original.SelectMany(f => f.Samples).ToList();
        var after = viaOpenMetrics.SelectMany(f => f.Samples).ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Labels, after[i].Labels);
            Assert.Equal(BitConverter.DoubleToInt64Bits(before[i].Value), BitConverter.DoubleToInt64Bits(after[i].Value));
        }
        Assert.Equal(original.Select(f => f.Type), viaOpenMetrics.Select(f => f.Type));
    }

    [Fact]
    public void WriteSample_LongLabelValue_GetsALargeEnoughBuffer()
    {
        string value = new('x', 200_000);
        var output = new ArrayBufferWriter<byte>(16);
        var writer = new TextFormatWriter(output);

        writer.WriteSample(LabelSet.Of("__name__", "m", "big", value), 1);

        var sample = Samples(output.WrittenMemory.ToArray(), Text).Single();
        Assert.Equal(value, sample.Labels.Get("big"));
    }

    [Fact]
    public void WriteSample_SpanOverload_SkipsNameAndEmptyLabels()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new TextFormatWriter(output);

        writer.WriteSample("m", [new Label("__name__", "ignored"), new Label("a", ""), new Label("b", "1")], 2, 5);

        Assert.Equal("m{b=\"1\"} 2 5\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteComment_TextFormat_WritesCommentLine()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new TextFormatWriter(output);

        writer.WriteComment("generated by vigil");

        Assert.Equal("# generated by vigil\n", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteComment_OpenMetrics_Throws()
    {
        var writer = new TextFormatWriter(new ArrayBufferWriter<byte>(), OpenMetrics);

        Assert.Throws<InvalidOperationException>(() => writer.WriteComment("x"));
    }

    [Fact]
    public void Finish_WritesEofOnceAndRefusesLaterWrites()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new TextFormatWriter(output, OpenMetrics);

        writer.WriteSample(LabelSet.Of("__name__", "m"), 1);
        writer.Finish();
        writer.Finish();

        Assert.Equal("m 1.0\n# EOF\n", Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Throws<InvalidOperationException>(() => writer.WriteSample(LabelSet.Of("__name__", "m"), 1));
    }

    [Fact]
    public void Finish_TextFormat_WritesNothing()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new TextFormatWriter(output);

        writer.Finish();

        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Write_FamilyBuiltWithAdd_EscapesAndSpecialValuesAsTextFormat004()
    {
        // Note: the server's self-metrics wrote "1E-05" and "123456789012" before they moved onto this writer; Go's
        // client library writes "1e-05" and "1.23456789012e+11", as this writer does.
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
            "odd_metric{k=\"d\"} 1e-05\n" +
            "odd_metric{k=\"e\"} 1.23456789012e+11\n",
            WriteToString([f], Text));
    }

    [Fact]
    public void WriteSample_SeriesWithoutName_Throws()
    {
        var writer = new TextFormatWriter(new ArrayBufferWriter<byte>());

        var error = Assert.Throws<ArgumentException>(() => writer.WriteSample(LabelSet.Of("job", "x"), 1));
        Assert.Contains("no metric name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_Stream_SameBytesAsBufferWriter()
    {
        var families = ExpositionParser.ParseFamilies(TextFormatFile("alltypes.237mfs.prom.txt"), Text);
        using var stream = new MemoryStream();

        await TextFormatWriter.WriteAsync(stream, families, OpenMetrics);

        Assert.Equal(Write(families, OpenMetrics), stream.ToArray());
        Assert.True(stream.CanWrite);
    }

    [Fact]
    public void ContentType_MatchesFormat()
    {
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", new TextFormatWriter(new ArrayBufferWriter<byte>()).ContentType);
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", new TextFormatWriter(new ArrayBufferWriter<byte>(), OpenMetrics).ContentType);
    }

    private static List<MetricFamily> SampleFamilies() =>
    [
        Family("http_requests_total", MetricType.Counter, "Total \\ \"requests\"\nby code.",
            (LabelSet.Of("__name__", "http_requests_total", "code", "200", "path", "/a\"b\\c\nd"), 1027, 1395066363000),
            (LabelSet.Of("__name__", "http_requests_total", "code", "500"), double.NaN, null)),
        Family("temp", MetricType.Gauge, null,
            (LabelSet.Of("__name__", "temp"), double.NegativeInfinity, null),
            (LabelSet.Of("__name__", "temp"), double.PositiveInfinity, null),
            (LabelSet.Of("__name__", "temp"), 1e6, null),
            (LabelSet.Of("__name__", "temp"), 0.000001, null),
            (LabelSet.Of("__name__", "temp"), -0.0, null),
            (LabelSet.Of("__name__", "temp"), 0.25, -1500)),
        Family("my.metric", MetricType.Unknown, "UTF-8 name",
            (LabelSet.Of("__name__", "my.metric", "label.x", "v", "job", "j"), 1.5, null)),
        new MetricFamily("req_seconds", MetricType.Histogram, unit: "seconds")
        {
            Samples =
            {
                new MetricSample(LabelSet.Of("__name__", "req_seconds_bucket", "le", "0.5"), 3),
                new MetricSample(LabelSet.Of("__name__", "req_seconds_bucket", "le", "+Inf"), 4),
                new MetricSample(LabelSet.Of("__name__", "req_seconds_sum"), 1.25),
                new MetricSample(LabelSet.Of("__name__", "req_seconds_count"), 4),
            },
        },
    ];

    private static MetricFamily Family(string name, MetricType type, string? help, params (LabelSet Labels, double Value, long? Ts)[] samples)
    {
        var family = new MetricFamily(name, type, help);
        foreach (var (labels, value, ts) in samples)
        {
            family.Samples.Add(new MetricSample(labels, value, ts));
        }
        return family;
    }

    private static byte[] Write(IEnumerable<MetricFamily> families, ExpositionFormatKind format)
    {
        var output = new ArrayBufferWriter<byte>();
        TextFormatWriter.Write(output, families, format);
        return output.WrittenSpan.ToArray();
    }

    private static string WriteToString(IEnumerable<MetricFamily> families, ExpositionFormatKind format)
        => Encoding.UTF8.GetString(Write(families, format));

    private static string WriteOne(double value, ExpositionFormatKind format)
    {
        var output = new ArrayBufferWriter<byte>();
        new TextFormatWriter(output, format).WriteSample(LabelSet.Of("__name__", "m"), value);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static void AssertFamiliesEqual(List<MetricFamily> expected, List<MetricFamily> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.Type, a.Type);
            Assert.Equal(e.Help, a.Help);
            Assert.Equal(e.Samples.Count, a.Samples.Count);
            for (int j = 0; j < e.Samples.Count; j++)
            {
                Assert.Equal(e.Samples[j].Labels, a.Samples[j].Labels);
                // NaNs compare by bits, so the canonical NaN must survive the trip.
                double ev = double.IsNaN(e.Samples[j].Value) ? s_canonicalNaN : e.Samples[j].Value;
                Assert.Equal(BitConverter.DoubleToInt64Bits(ev), BitConverter.DoubleToInt64Bits(a.Samples[j].Value));
                Assert.Equal(e.Samples[j].TimestampMs, a.Samples[j].TimestampMs);
            }
        }
    }

    [Fact]
    public void RoundTrip_OpenMetricsUnit_Survives()
    {
        var families = new List<MetricFamily> { new("req_seconds", MetricType.Histogram, "h", "seconds") };
        families[0].Samples.Add(new MetricSample(LabelSet.Of("__name__", "req_seconds_count"), 1));

        var reparsed = ExpositionParser.ParseFamilies(Write(families, OpenMetrics), OpenMetrics);

        Assert.Equal("seconds", Assert.Single(reparsed).Unit);
        Assert.Null(Assert.Single(ExpositionParser.ParseFamilies(Write(families, Text), Text)).Unit);
    }
}
