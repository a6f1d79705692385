using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;

namespace Vigil.Core.Tests.Exposition;

/// <summary>Small helpers shared by the exposition tests.</summary>
internal static class ExpositionTestHelpers
{
    public const ExpositionFormatKind Text = ExpositionFormatKind.PrometheusText;
    public const ExpositionFormatKind OpenMetrics = ExpositionFormatKind.OpenMetrics;

    public static ExpositionParser Parser(string payload, ExpositionFormatKind format = Text)
        => new(Encoding.UTF8.GetBytes(payload), format);

    /// <summary>Every sample of a payload: labels, value, timestamp and resolved type.</summary>
    public static List<(LabelSet Labels, double Value, long? TimestampMs, MetricType Type)> Samples(string payload, ExpositionFormatKind format = Text)
        => Samples(Encoding.UTF8.GetBytes(payload), format);

    public static List<(LabelSet Labels, double Value, long? TimestampMs, MetricType Type)> Samples(byte[] payload, ExpositionFormatKind format)
    {
        var parser = new ExpositionParser(payload, format);
        var result = new List<(LabelSet, double, long?, MetricType)>();
        while (parser.Next() != ExpositionEntry.EndOfInput)
        {
            if (parser.Entry == ExpositionEntry.Series)
            {
                result.Add((parser.BuildLabelSet(), parser.Value, parser.TimestampMs, parser.MetricType));
            }
        }
        return result;
    }

    /// <summary>Parses a payload to its end, building every label set, and returns the exception it throws.</summary>
    public static ExpositionParseException ParseError(string payload, ExpositionFormatKind format = Text)
        => ParseError(Encoding.UTF8.GetBytes(payload), format);

    public static ExpositionParseException ParseError(byte[] payload, ExpositionFormatKind format)
        => Assert.Throws<ExpositionParseException>(() =>
        {
            var parser = new ExpositionParser(payload, format);
            while (parser.Next() != ExpositionEntry.EndOfInput)
            {
                if (parser.Entry == ExpositionEntry.Series)
                {
                    parser.BuildLabelSet();
                }
            }
        });

    public static byte[] TextFormatFile(string name) => TestData.ReadBytes("textformat", name);
}
