using System.Globalization;
using System.Text.Json;

namespace Vigil.Sdk.Tunables;

/// <summary>A whole-number knob with optional inclusive bounds (a pool size, a concurrency limit, a queue length).</summary>
public sealed class IntegerTunable : Tunable<long>
{
    internal IntegerTunable(string name, long initial, Func<long>? getter, Action<long>? setter, long? min, long? max, string? description, string? unit)
        : base(name, TunableKind.Integer, description, unit, initial, getter, setter)
    {
        if (min > max)
        {
            throw new ArgumentException($"tunable {name}: min {min} is greater than max {max}");
        }
        Min = min;
        Max = max;
        CheckInitial(initial);
    }

    /// <summary>The smallest allowed value (inclusive), or null when unbounded below.</summary>
    public long? Min { get; }

    /// <summary>The largest allowed value (inclusive), or null when unbounded above.</summary>
    public long? Max { get; }

    /// <inheritdoc />
    public override string ValueText => Value.ToString(CultureInfo.InvariantCulture);

    internal override double NumericValue => Value;

    private protected override void WriteValue(Utf8JsonWriter writer)
    {
        writer.WriteNumber("value", Value);
        WriteBound(writer, "min", Min);
        WriteBound(writer, "max", Max);
    }

    internal override string? TrySetJson(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return $"tunable {Name} is an integer; got {Describe(value)}";
        }
        if (!value.TryGetInt64(out long l))
        {
            // Note: 8.0 or 8e0 is the integer 8 exactly, so it is accepted; 8.5 would need rounding, which the contract forbids.
            if (!value.TryGetDouble(out double d) || d != Math.Floor(d) || d < long.MinValue || d >= 9.2233720368547758E+18)
            {
                return $"tunable {Name} is an integer; got {value.GetRawText()}";
            }
            l = (long)d;
        }
        return TrySet(l, out string? error) ? null : error;
    }

    private protected override string? Validate(long value)
        => value < Min || value > Max
            ? string.Create(CultureInfo.InvariantCulture, $"tunable {Name}: {value} is outside [{Bound(Min)}, {Bound(Max)}]")
            : null;

    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "the string " + value.GetRawText(),
        JsonValueKind.Number => "the number " + value.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static string Bound(long? bound) => bound is { } b ? b.ToString(CultureInfo.InvariantCulture) : "none";

    private static void WriteBound(Utf8JsonWriter writer, string name, long? bound)
    {
        if (bound is { } b)
        {
            writer.WriteNumber(name, b);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
