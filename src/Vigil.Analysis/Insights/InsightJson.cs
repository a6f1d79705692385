using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Analysis.Insights;

/// <summary>The JSON shape of insights, shared by the store's file and <c>/api/v1/insights</c>.</summary>
/// <remarks>camelCase names, enums as their names, times as ISO 8601; non-finite evidence numbers as strings ("NaN", "Infinity").</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(PerformanceInsight))]
[JsonSerializable(typeof(List<PerformanceInsight>))]
internal sealed partial class InsightJson : JsonSerializerContext
{
    private static readonly Lazy<InsightJson> Relaxed = new(() => new InsightJson(new JsonSerializerOptions(Default!.Options)
    {
        // Note: label values and descriptions stay readable (non-ASCII is not escaped), as in the rest of the API.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));

    /// <summary>The context with relaxed escaping, used for every write.</summary>
    public static InsightJson Writer => Relaxed.Value;
}
