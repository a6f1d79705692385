using System.Globalization;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>Reads the <c>data</c> of Prometheus API answers; anything that is not the documented shape fails with <see cref="RemoteFailure.BadResponse"/>.</summary>
internal static class RemoteJson
{
    /// <summary>The most labels one series may have in an answer.</summary>
    private const int MaxLabels = 1024;

    public static PushdownResult ReadQueryData(ApiAnswer answer, string remote)
    {
        var data = answer.Data;
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("resultType", out var typeElement) || !data.TryGetProperty("result", out var result))
        {
            throw Bad(remote, "a query answer without resultType and result");
        }
        string? type = typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
        var warnings = answer.Warnings;
        switch (type)
        {
            case "scalar" or "string":
                if (result.ValueKind != JsonValueKind.Array || result.GetArrayLength() != 2)
                {
                    throw Bad(remote, "a " + type + " that is not [time, value]");
                }
                long t = Time(result[0], remote);
                string text = result[1].ValueKind == JsonValueKind.String ? result[1].GetString()! : throw Bad(remote, "a value that is not a string");
                return type == "scalar"
                    ? new PushdownResult(PushdownValueKind.Scalar, [], t, Value(text, remote), null, warnings, answer.Infos)
                    : new PushdownResult(PushdownValueKind.String, [], t, 0, text, warnings, answer.Infos);
            case "vector" or "matrix":
                if (result.ValueKind != JsonValueKind.Array)
                {
                    throw Bad(remote, "a " + type + " that is not an array");
                }
                bool vector = type == "vector";
                var series = new List<PushdownSeries>(result.GetArrayLength());
                List<string>? extra = null;
                foreach (var item in result.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("metric", out var metric))
                    {
                        throw Bad(remote, "a series without \"metric\"");
                    }
                    var labels = Labels(metric, remote);
                    if (vector ? item.TryGetProperty("value", out var value) : item.TryGetProperty("values", out value))
                    {
                        series.Add(vector ? One(labels, value, remote) : Many(labels, value, remote));
                    }
                    else if (item.TryGetProperty(vector ? "histogram" : "histograms", out _))
                    {
                        extra ??= [.. warnings];
                        if (extra.Count == warnings.Count)
                        {
                            extra.Add(remote + " returned native histograms, which Vigil does not read; they are left out");
                        }
                    }
                    else
                    {
                        throw Bad(remote, "a series without " + (vector ? "\"value\"" : "\"values\""));
                    }
                }
                return new PushdownResult(vector ? PushdownValueKind.Vector : PushdownValueKind.Matrix, series, 0, 0, null, extra ?? warnings, answer.Infos);
            default:
                throw Bad(remote, $"an unknown resultType \"{type}\"");
        }
    }

    public static List<LabelSet> ReadLabelSets(JsonElement data, string remote)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw Bad(remote, "series that are not an array");
        }
        var list = new List<LabelSet>(data.GetArrayLength());
        foreach (var item in data.EnumerateArray())
        {
            list.Add(Labels(item, remote));
        }
        return list;
    }

    public static List<string> ReadStrings(JsonElement data, string remote)
    {
        if (data.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw Bad(remote, "a list that is not an array");
        }
        var list = new List<string>(data.GetArrayLength());
        foreach (var item in data.EnumerateArray())
        {
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Bad(remote, "a list item that is not a string"));
        }
        return list;
    }

    private static LabelSet Labels(JsonElement metric, string remote)
    {
        if (metric.ValueKind != JsonValueKind.Object)
        {
            throw Bad(remote, "labels that are not an object");
        }
        var builder = new List<Label>();
        foreach (var p in metric.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String || builder.Count == MaxLabels)
            {
                throw Bad(remote, builder.Count == MaxLabels ? $"a series with more than {MaxLabels} labels" : $"label \"{p.Name}\" whose value is not a string");
            }
            string v = p.Value.GetString()!;
            if (v.Length > 0)
            {
                builder.Add(new Label(p.Name, v));
            }
        }
        try
        {
            return LabelSet.From(builder);
        }
        catch (ArgumentException e)
        {
            throw Bad(remote, "invalid labels: " + e.Message);
        }
    }

    private static PushdownSeries One(LabelSet labels, JsonElement pair, string remote)
    {
        var (t, v) = Point(pair, remote);
        return new PushdownSeries(labels, [t], [v]);
    }

    private static PushdownSeries Many(LabelSet labels, JsonElement values, string remote)
    {
        if (values.ValueKind != JsonValueKind.Array)
        {
            throw Bad(remote, "values that are not an array");
        }
        int n = values.GetArrayLength();
        var ts = new long[n];
        var vs = new double[n];
        int i = 0;
        foreach (var pair in values.EnumerateArray())
        {
            (ts[i], vs[i]) = Point(pair, remote);
            if (i > 0 && ts[i] <= ts[i - 1])
            {
                throw Bad(remote, "samples out of time order");
            }
            i++;
        }
        return new PushdownSeries(labels, ts, vs);
    }

    private static (long T, double V) Point(JsonElement pair, string remote)
    {
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[1].ValueKind != JsonValueKind.String)
        {
            throw Bad(remote, "a sample that is not [time, \"value\"]");
        }
        return (Time(pair[0], remote), Value(pair[1].GetString()!, remote));
    }

    private static long Time(JsonElement t, string remote)
    {
        if (t.ValueKind != JsonValueKind.Number || !t.TryGetDouble(out double seconds) || !double.IsFinite(seconds) || Math.Abs(seconds) > 1e13)
        {
            throw Bad(remote, "a timestamp that is not a number of seconds");
        }
        return (long)Math.Round(seconds * 1000);
    }

    private static double Value(string text, string remote) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw Bad(remote, $"a value that is not a number: \"{(text.Length > 40 ? text[..40] + "..." : text)}\""),
    };

    private static RemoteStorageException Bad(string remote, string what) => new(RemoteFailure.BadResponse, $"{remote} answered with {what}");
}
