namespace Vigil.Core.Exposition;

/// <summary>What <see cref="ExpositionParser.Next"/> found.</summary>
public enum ExpositionEntry
{
    /// <summary>The end of the input (after <c># EOF</c> in OpenMetrics).</summary>
    EndOfInput,

    /// <summary>A sample: series name and labels, value and optional timestamp.</summary>
    Series,

    /// <summary>A <c># HELP</c> line.</summary>
    Help,

    /// <summary>A <c># TYPE</c> line.</summary>
    Type,

    /// <summary>An OpenMetrics <c># UNIT</c> line.</summary>
    Unit,

    /// <summary>Any other comment line (text format only; OpenMetrics has none).</summary>
    Comment,
}
