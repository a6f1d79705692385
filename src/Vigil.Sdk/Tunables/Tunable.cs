using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vigil.Sdk.Tunables;

/// <summary>
/// A knob an application exposes to people and to Vigil's optimizer: a named value with a kind, declared bounds or
/// members, a description and a unit. Created by <see cref="TunableRegistry"/>; served by <see cref="TunableEndpoint"/>.
/// </summary>
/// <remarks>Thread-safe: changes are serialized per tunable, and a change either applies exactly or changes nothing.</remarks>
public abstract partial class Tunable
{
    private long _changes;

    private protected Tunable(string name, TunableKind kind, string? description, string? unit)
    {
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"tunable name \"{name}\" is invalid: use letters, digits, '_', '.' and '-'", nameof(name));
        }
        Name = name;
        Kind = kind;
        Description = description ?? string.Empty;
        Unit = unit ?? string.Empty;
    }

    /// <summary>The name, unique within its registry (<c>[A-Za-z0-9_.-]+</c>).</summary>
    public string Name { get; }

    /// <summary>The kind of value.</summary>
    public TunableKind Kind { get; }

    /// <summary>What the knob does, for people.</summary>
    public string Description { get; }

    /// <summary>The unit of the value (empty when it has none).</summary>
    public string Unit { get; }

    /// <summary>How many times the value has been changed since registration.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>The value in force as invariant text: what the optimizer journals and restores.</summary>
    public abstract string ValueText { get; }

    /// <summary>The contract's name of <paramref name="kind"/>: <c>integer</c>, <c>number</c> or <c>enum</c>.</summary>
    public static string KindName(TunableKind kind) => kind switch
    {
        TunableKind.Integer => "integer",
        TunableKind.Number => "number",
        _ => "enum",
    };

    /// <summary>The value as a number for gauges (NaN for enums and unreadable values).</summary>
    internal abstract double NumericValue { get; }

    /// <summary>Writes the contract's tunable object.</summary>
    internal void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("name", Name);
        writer.WriteString("kind", KindName(Kind));
        WriteValue(writer);
        writer.WriteString("description", Description);
        writer.WriteString("unit", Unit);
        writer.WriteEndObject();
    }

    /// <summary>Writes the members that depend on the kind: <c>value</c>, <c>min</c>, <c>max</c> and for enums <c>values</c>.</summary>
    private protected abstract void WriteValue(Utf8JsonWriter writer);

    /// <summary>
    /// Applies a value from a request: null when applied (or already in force), else why it was refused — nothing is
    /// changed then. Exceptions from the application's setter or change handlers propagate after the value is restored.
    /// </summary>
    internal abstract string? TrySetJson(JsonElement value);

    private protected void CountChange() => Interlocked.Increment(ref _changes);

    [GeneratedRegex("^[A-Za-z0-9_.-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
