using System.Text;

namespace Vigil.Core.Exposition;

public sealed partial class ExpositionParser
{
    /// <summary>
    /// Parses a whole payload into families (allocating; meant for small payloads, tests and tools). A HELP, TYPE or
    /// UNIT line starts a family unless it names the family being built and that family has no samples yet; a sample
    /// that does not belong to the current family by the suffix rules of its type starts an untyped family named after
    /// the sample. Exemplars are dropped.
    /// </summary>
    public static List<MetricFamily> ParseFamilies(ReadOnlyMemory<byte> body, ExpositionFormatKind format)
    {
        var parser = new ExpositionParser(body, format);
        var families = new List<MetricFamily>();
        MetricFamily? current = null;
        byte[] currentName = [];
        ExpositionEntry entry;
        while ((entry = parser.Next()) != ExpositionEntry.EndOfInput)
        {
            switch (entry)
            {
                case ExpositionEntry.Help:
                case ExpositionEntry.Type:
                case ExpositionEntry.Unit:
                    if (current is null || current.Samples.Count > 0 || !parser.MetricName.SequenceEqual(currentName))
                    {
                        current = new MetricFamily(parser.GetMetricName(), MetricType.Unknown);
                        currentName = parser.MetricName.ToArray();
                        families.Add(current);
                    }
                    if (entry == ExpositionEntry.Help)
                    {
                        current.Help = parser.GetText();
                    }
                    else if (entry == ExpositionEntry.Type)
                    {
                        current.Type = parser.MetricType;
                    }
                    else
                    {
                        current.Unit = parser.GetText();
                    }
                    break;
                case ExpositionEntry.Series:
                    if (current is null || !MetricFamilyNames.IsMember(currentName, current.Type, parser.MetricName, out _))
                    {
                        current = new MetricFamily(parser.GetMetricName(), MetricType.Unknown);
                        currentName = parser.MetricName.ToArray();
                        families.Add(current);
                    }
                    current.Samples.Add(new MetricSample(parser.BuildLabelSet(), parser.Value, parser.TimestampMs));
                    break;
            }
        }
        return families;
    }

    /// <summary>Parses a payload given as a string (UTF-8 encoded first); see <see cref="ParseFamilies(ReadOnlyMemory{byte}, ExpositionFormatKind)"/>.</summary>
    public static List<MetricFamily> ParseFamilies(string body, ExpositionFormatKind format)
        => ParseFamilies(Encoding.UTF8.GetBytes(body), format);
}
