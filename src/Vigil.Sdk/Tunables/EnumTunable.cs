using System.Text.Json;

namespace Vigil.Sdk.Tunables;

/// <summary>A knob whose value is one of a declared list of strings (an eviction policy, a scheduling mode).</summary>
public sealed class EnumTunable : Tunable<string>
{
    private readonly string[] _values;

    internal EnumTunable(string name, string initial, Func<string>? getter, Action<string>? setter, IEnumerable<string> values, string? description, string? unit)
        : base(name, TunableKind.Enum, description, unit, initial, getter, setter)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = [.. values];
        if (_values.Length == 0 || _values.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"tunable {name}: an enum needs at least one member and no empty ones", nameof(values));
        }
        if (_values.Distinct(StringComparer.Ordinal).Count() != _values.Length)
        {
            throw new ArgumentException($"tunable {name}: enum members must be distinct", nameof(values));
        }
        CheckInitial(initial);
    }

    /// <summary>The allowed values, in declaration order.</summary>
    public IReadOnlyList<string> Values => _values;

    /// <inheritdoc />
    public override string ValueText => Value;

    /// <summary>Enums have no numeric value.</summary>
    internal override double NumericValue => double.NaN;

    private protected override void WriteValue(Utf8JsonWriter writer)
    {
        writer.WriteString("value", Value);
        writer.WriteNull("min");
        writer.WriteNull("max");
        writer.WriteStartArray("values");
        foreach (string v in _values)
        {
            writer.WriteStringValue(v);
        }
        writer.WriteEndArray();
    }

    internal override string? TrySetJson(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return $"tunable {Name} is an enum; got {IntegerTunable.Describe(value)}";
        }
        return TrySet(value.GetString()!, out string? error) ? null : error;
    }

    private protected override string? Validate(string value)
        => value is not null && Array.IndexOf(_values, value) >= 0
            ? null
            : $"tunable {Name}: \"{value}\" is not one of {string.Join(", ", _values)}";
}
