using System.Globalization;

namespace Vigil.Rules.Seed;

/// <summary>The seed's <c>aggregation_type</c>: <c>Sum</c>, <c>Average</c>, <c>Min</c>, <c>Max</c>, <c>Count</c> or <c>Percentile(p)</c>.</summary>
/// <param name="Kind">The aggregation.</param>
/// <param name="Percentile">For <see cref="AggregationKind.Percentile"/>, the percentile in [0, 100] (95 is the 0.95 quantile).</param>
public sealed record AggregationType(AggregationKind Kind, double Percentile = 0)
{
    /// <summary>Parses <c>Average</c>, <c>Percentile(95)</c> or <c>Percentile(99.9)</c>; throws <see cref="FormatException"/> naming the text.</summary>
    public static AggregationType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.StartsWith("Percentile(", StringComparison.Ordinal) && t.EndsWith(')'))
        {
            string p = t["Percentile(".Length..^1];
            if (!double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0 || v > 100)
            {
                throw new FormatException($"aggregation_type {text}: the percentile must be a number from 0 to 100");
            }
            return new AggregationType(AggregationKind.Percentile, v);
        }
        if (Enum.TryParse<AggregationKind>(t, ignoreCase: false, out var kind) && kind != AggregationKind.Percentile)
        {
            return new AggregationType(kind);
        }
        throw new FormatException($"aggregation_type \"{text}\" is not one of Sum, Average, Min, Max, Count, Percentile(p)");
    }

    /// <inheritdoc />
    public override string ToString() => Kind == AggregationKind.Percentile
        ? "Percentile(" + Percentile.ToString(CultureInfo.InvariantCulture) + ")"
        : Kind.ToString();
}
