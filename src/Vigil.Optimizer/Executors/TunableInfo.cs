using System.Globalization;
using System.Text.Json;

namespace Vigil.Optimizer.Executors;

/// <summary>A knob as an application describes it over the tunables contract (docs/TUNABLES.md).</summary>
/// <param name="Name">The knob's name.</param>
/// <param name="Kind"><c>integer</c>, <c>number</c> or <c>enum</c>.</param>
/// <param name="Value">The current value: a JSON number, or a string for enums.</param>
/// <param name="Min">The smallest allowed value of a numeric knob.</param>
/// <param name="Max">The largest allowed value of a numeric knob.</param>
/// <param name="Values">The allowed values of an enum knob.</param>
internal sealed record TunableInfo(string Name, string Kind, JsonElement Value, double? Min, double? Max, IReadOnlyList<string> Values)
{
    /// <summary>True for integer and number knobs.</summary>
    public bool IsNumeric => Kind is "integer" or "number";

    /// <summary>The value as text: integers without a decimal point, numbers round-trippable, enums as they are.</summary>
    public string ValueText => Format(Value);

    /// <summary>The numeric value; throws when the knob is an enum.</summary>
    public double Number => Value.GetDouble();

    /// <summary>Formats a JSON value the way history records keep it.</summary>
    public static string Format(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out long l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => value.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString() ?? string.Empty,
        _ => value.GetRawText(),
    };
}
