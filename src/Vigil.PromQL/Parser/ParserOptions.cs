namespace Vigil.PromQL.Parser;

/// <summary>Options of the PromQL parser.</summary>
/// <param name="EnableExperimentalFunctions">Accept functions and aggregations Prometheus marks experimental (limitk, mad_over_time, ...).</param>
public sealed record ParserOptions(bool EnableExperimentalFunctions = true)
{
    /// <summary>The default options (experimental functions enabled).</summary>
    public static ParserOptions Default { get; } = new();
}
