namespace Vigil.Rules.Seed;

/// <summary>How a value is compared with an alert threshold (the seed's <c>operator</c>).</summary>
public enum ThresholdOperator
{
    /// <summary>Alert when the value is above the threshold.</summary>
    GreaterThan,

    /// <summary>Alert when the value is below the threshold.</summary>
    LessThan,

    /// <summary>Alert when the value equals the threshold.</summary>
    Equal,

    /// <summary>Alert when the value differs from the threshold.</summary>
    NotEqual,
}
