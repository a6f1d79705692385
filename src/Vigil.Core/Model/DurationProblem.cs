namespace Vigil.Core.Model;

/// <summary>What is wrong with a duration text (<see cref="PrometheusDuration.TryParseMilliseconds"/>).</summary>
public enum DurationProblem
{
    /// <summary>Nothing: the text is a duration.</summary>
    None,

    /// <summary>The text is empty.</summary>
    Empty,

    /// <summary>The text is not a duration (a missing number, an unknown unit, units out of order).</summary>
    Invalid,

    /// <summary>The text is a duration larger than allowed.</summary>
    OutOfRange,
}
