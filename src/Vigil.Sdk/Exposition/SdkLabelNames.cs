using Vigil.Core.Exposition;

namespace Vigil.Sdk.Exposition;

/// <summary>Label names of user tags on the SDK's own series: Prometheus label names that never collide with the labels the SDK writes itself.</summary>
internal static class SdkLabelNames
{
    /// <summary>Label names the SDK writes itself; a user tag with one of these names is exported as <c>tag_&lt;name&gt;</c>.</summary>
    private static readonly HashSet<string> s_reserved = new(StringComparer.Ordinal)
    {
        "tool", "outcome", "le", "error_type", "counter", "generation", "quantile", "collector",
    };

    /// <summary>
    /// The label name of a tag key (<see cref="PrometheusNames.LabelName"/>), prefixed with <c>tag_</c> when it is one the
    /// SDK writes itself; an empty key becomes <c>key_</c>, so a tagged value is never lost.
    /// </summary>
    public static string ForTag(string key)
    {
        string name = string.IsNullOrEmpty(key) ? "key_" : PrometheusNames.LabelName(key);
        return s_reserved.Contains(name) ? "tag_" + name : name;
    }
}
