namespace Vigil.Sdk.Tunables;

/// <summary>The type of a tunable's value, as the tunables contract (docs/TUNABLES.md) names it.</summary>
public enum TunableKind
{
    /// <summary>A whole number (a JSON integer); <c>"integer"</c>.</summary>
    Integer,

    /// <summary>A finite floating-point number; <c>"number"</c>.</summary>
    Number,

    /// <summary>One of a declared list of strings; <c>"enum"</c>.</summary>
    Enum,
}
