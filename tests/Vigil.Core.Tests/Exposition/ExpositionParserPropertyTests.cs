using System.Buffers;
using System.Text;
using CsCheck;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using static Vigil.Core.Tests.Exposition.ExpositionTestHelpers;

namespace Vigil.Core.Tests.Exposition;

/// <summary>
/// Property tests of the Prometheus text and OpenMetrics parsers: whatever is written is read back exactly, and no input
/// (random bytes, mutated payloads, token soup) escapes as anything but <see cref="ExpositionParseException"/>.
/// </summary>
public sealed class ExpositionParserPropertyTests
{
    private const string NameStart = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    private const string NameRest = NameStart + "0123456789";

    private static readonly Gen<string> MetricName =
        Gen.Select(Gen.Char[NameStart + ":"], Gen.Char[NameRest + ":"].Array[0, 12], (c, rest) => c + new string(rest));

    private static readonly Gen<string> LabelName =
        Gen.Select(Gen.Char[NameStart], Gen.Char[NameRest].Array[0, 10], (c, rest) => c + new string(rest)).Where(n => !n.StartsWith("__", StringComparison.Ordinal));

    /// <summary>Non-empty label values with the characters that need escapes, and any other character except lone surrogates.</summary>
    private static readonly Gen<string> LabelValue = Gen.OneOf(
            Gen.Char["\"\\\n{},= #aZ0"].Select(c => c.ToString()),
            Gen.Char['\u0001', '\uD7FF'].Select(c => c.ToString()),
            Gen.Char['\uE000', '\uFFFD'].Select(c => c.ToString()),
            Gen.Const("\U0001F600"))
        .Array[1, 16].Select(string.Concat);

    private static readonly Gen<double> Value = Gen.OneOf(Gen.Double, Gen.Double[-1e6, 1e6], Gen.Int.Select(i => (double)i),
        Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity), Gen.Const(double.NegativeInfinity), Gen.Const(-0.0));

    private static readonly Gen<long?> Timestamp = Gen.OneOf(Gen.Const((long?)null), Gen.Long[-1_000_000_000_000, 4_000_000_000_000].Select(t => (long?)t));

    private static readonly Gen<(LabelSet Labels, double Value, long? Timestamp)> Sample =
        Gen.Select(MetricName, Gen.Select(LabelName, LabelValue).Array[0, 5], Value, Timestamp, (name, labels, v, t) =>
        {
            var list = new List<Label> { new(LabelSet.MetricName, name) };
            foreach (var (n, val) in labels)
            {
                if (list.TrueForAll(l => l.Name != n))
                {
                    list.Add(new Label(n, val));
                }
            }
            return (LabelSet.From(list), v, t);
        });

    private static byte[] Write(IReadOnlyList<(LabelSet Labels, double Value, long? Timestamp)> samples, ExpositionFormatKind format)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new TextFormatWriter(buffer, format);
        foreach (var (labels, value, t) in samples)
        {
            w.WriteSample(labels, value, t);
        }
        w.Finish();
        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(ExpositionFormatKind.PrometheusText)]
    [InlineData(ExpositionFormatKind.OpenMetrics)]
    public void WriteThenParse_AnySamples_ReadBackExactly(ExpositionFormatKind format)
    {
        Sample.Array[0, 8].Select(a => a.DistinctBy(s => s.Labels).ToArray()).Sample(samples =>
        {
            byte[] payload = Write(samples, format);

            var parsed = Samples(payload, format);

            Assert.Equal(samples.Length, parsed.Count);
            for (int i = 0; i < samples.Length; i++)
            {
                Assert.Equal(samples[i].Labels, parsed[i].Labels);
                Assert.Equal(BitConverter.DoubleToInt64Bits(samples[i].Value) == BitConverter.DoubleToInt64Bits(-0.0) ? 0.0 : samples[i].Value,
                    parsed[i].Value == 0 ? 0.0 : parsed[i].Value);
                Assert.Equal(samples[i].Timestamp, parsed[i].TimestampMs);
            }
        }, iter: 300, print: s => Encoding.UTF8.GetString(Write(s, format)));
    }

    /// <summary>Fragments of both grammars, valid and not, so random sequences reach deep into the parser.</summary>
    private static readonly string[] Tokens =
    [
        "# TYPE ", "# HELP ", "# UNIT ", "# EOF", "# EOF\n", "# ", "#", "\n", " ", "\t", "{", "}", "=", "\"", "\\", "\\n", "\\\"", ",",
        "metric", "m_total", "_created", "_bucket", "le", "quantile", "a", "__name__", "counter", "gauge", "histogram", "summary",
        "untyped", "unknown", "info", "stateset", "gaugehistogram", "1", "-1", "0.5", "1e3", "1e400", "-1e-400", "+Inf", "-Inf", "NaN",
        "0x1F", "1_000", "9223372036854775807", "99999999999999999999", "1.5", " # {a=\"b\"} 1 2", "\u00e9", "\U0001F600",
    ];

    private static readonly Gen<byte[]> TokenSoup = Gen.Int[0, Tokens.Length - 1].Array[0, 60]
        .Select(ix => Encoding.UTF8.GetBytes(string.Concat(ix.Select(i => Tokens[i]))));

    private static readonly Gen<byte[]> Mutated =
        Gen.Select(Sample.Array[1, 4], Gen.Bool, Gen.Select(Gen.Int[0, 3], Gen.Double.Unit, Gen.Byte).Array[1, 6], (samples, om, edits) =>
        {
            var bytes = Write(samples, om ? ExpositionFormatKind.OpenMetrics : ExpositionFormatKind.PrometheusText).ToList();
            foreach (var (kind, where, b) in edits)
            {
                int at = (int)(where * bytes.Count);
                switch (kind)
                {
                    case 0 when at < bytes.Count:
                        bytes[at] = b;
                        break;
                    case 1:
                        bytes.Insert(at, b);
                        break;
                    case 2 when at < bytes.Count:
                        bytes.RemoveAt(at);
                        break;
                    case 3:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                }
            }
            return bytes.ToArray();
        });

    [Theory]
    [InlineData(ExpositionFormatKind.PrometheusText)]
    [InlineData(ExpositionFormatKind.OpenMetrics)]
    public void Parse_AnyInput_OnlyExpositionParseException(ExpositionFormatKind format)
    {
        Gen.OneOf(Gen.Byte.Array[0, 200], TokenSoup, Mutated).Sample(payload =>
        {
            try
            {
                var parser = new ExpositionParser(payload, format);
                while (parser.Next() != ExpositionEntry.EndOfInput)
                {
                    switch (parser.Entry)
                    {
                        case ExpositionEntry.Series:
                            parser.BuildLabelSet();
                            _ = parser.GetMetricName();
                            break;
                        case ExpositionEntry.Help or ExpositionEntry.Unit or ExpositionEntry.Comment:
                            _ = parser.GetText();
                            break;
                    }
                }
            }
            catch (ExpositionParseException e)
            {
                Assert.Matches(@"line \d+", e.Message);
            }
        }, iter: 10_000, print: p => Convert.ToHexString(p));
    }
}
