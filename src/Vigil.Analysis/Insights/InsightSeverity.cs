namespace Vigil.Analysis.Insights;

/// <summary>How urgent an insight is (the seed's <c>InsightSeverity</c>), lowest first.</summary>
public enum InsightSeverity
{
    /// <summary>Worth knowing.</summary>
    Low,

    /// <summary>Worth a look soon.</summary>
    Medium,

    /// <summary>Hurting or about to hurt.</summary>
    High,

    /// <summary>Needs action now.</summary>
    Critical,
}
