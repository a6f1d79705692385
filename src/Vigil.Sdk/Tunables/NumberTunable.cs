using System.Globalization;
using System.Text.Json;

namespace Vigil.Sdk.Tunables;

/// <summary>A floating-point knob with optional inclusive bounds (a ratio, a timeout in seconds, a smoothing factor).</summary>
public sealed class NumberTunable : Tunable<double>
{
    internal NumberTunable(string name, double initial, Func<double>? getter, Action<double>? setter, double? min, double? max, string? description, string? unit)
        : base(name, TunableKind.Number, description, unit, initial, getter, setter)
    {
        if ((min is { } lo && !double.IsFinite(lo)) || (max is { } hi && !double.IsFinite(hi)))
        {
            throw new ArgumentException($"tunable {name}: bounds must be finite (null for unbounded)");
        }
        if (min > max)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"tunable {name}: min {min} is greater than max {max}"));
        }
        Min = min;
        Max = max;
        CheckInitial(initial);
    }

    /// <summary>The smallest allowed value (inclusive), or null when unbounded below.</summary>
    public double? Min { get; }

    /// <summary>The largest allowed value (inclusive), or null when unbounded above.</summary>
    public double? Max { get; }

    /// <inheritdoc />
    public override string ValueText => Value.ToString("R", CultureInfo.InvariantCulture);

    internal override double NumericValue => Value;

    private protected override void WriteValue(Utf8JsonWriter writer)
    {
        WriteNumber(writer, "value", Value);
        WriteNumber(writer, "min", Min);
        WriteNumber(writer, "max", Max);
    }

    internal override string? TrySetJson(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double d))
        {
            return $"tunable {Name} is a number; got {IntegerTunable.Describe(value)}";
        }
        return TrySet(d, out string? error) ? null : error;
    }

    private protected override string? Validate(double value)
    {
        if (!double.IsFinite(value))
        {
            return string.Create(CultureInfo.InvariantCulture, $"tunable {Name}: {value} is not a finite number");
        }
        return value < Min || value > Max
            ? string.Create(CultureInfo.InvariantCulture, $"tunable {Name}: {value:R} is outside [{Bound(Min)}, {Bound(Max)}]")
            : null;
    }

    private static string Bound(double? bound) => bound is { } b ? b.ToString("R", CultureInfo.InvariantCulture) : "none";

    private static void WriteNumber(Utf8JsonWriter writer, string name, double? value)
    {
        // Note: JSON has no NaN or infinity; an application getter returning one is reported as null rather than failing the answer.
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
