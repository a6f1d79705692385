using System.Globalization;
using System.Text;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>One parsed line of the Prometheus text format.</summary>
internal sealed record TextSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A small, strict reader of the Prometheus text format for tests (samples only; comments are skipped).</summary>
internal static class TextFormat
{
    public static List<TextSample> Parse(string text)
    {
        var result = new List<TextSample>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int i = 0;
            while (i < line.Length && line[i] != '{' && line[i] != ' ')
            {
                i++;
            }
            string name = line[..i];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (i < line.Length && line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    int eq = line.IndexOf('=', i);
                    string key = line[i..eq].Trim();
                    i = eq + 1;
                    if (line[i] != '"')
                    {
                        throw new FormatException($"line {lineNo}: expected '\"' at column {i + 1}: {line}");
                    }
                    i++;
                    var sb = new StringBuilder();
                    while (line[i] != '"')
                    {
                        if (line[i] == '\\')
                        {
                            i++;
                            sb.Append(line[i] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"line {lineNo}: bad escape") });
                        }
                        else
                        {
                            sb.Append(line[i]);
                        }
                        i++;
                    }
                    i++;
                    labels[key] = sb.ToString();
                    if (line[i] == ',')
                    {
                        i++;
                    }
                }
                i++;
            }
            var rest = line[i..].Trim().Split(' ');
            double value = rest[0] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            result.Add(new TextSample(name, labels, value));
        }
        return result;
    }
}
