namespace Vigil.Analysis.Insights;

/// <summary>How much work a recommendation takes (the seed's <c>ImplementationCost</c>).</summary>
public enum ImplementationCost
{
    /// <summary>A setting or a restart.</summary>
    Low,

    /// <summary>A configuration change with testing, or a small code change.</summary>
    Medium,

    /// <summary>New hardware or instances, or a sizeable code change.</summary>
    High,

    /// <summary>An architectural change.</summary>
    Critical,
}
