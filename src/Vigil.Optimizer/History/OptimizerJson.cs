using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Optimizer.Model;

namespace Vigil.Optimizer.History;

/// <summary>The JSON shape of executions and audit entries, shared by the history journal, the audit log and <c>/api/v1/optimizations</c>.</summary>
/// <remarks>camelCase names, enums as their names, durations as seconds, times as RFC 3339; non-finite numbers as strings.</remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    UseStringEnumConverter = true,
    Converters = [typeof(SecondsJsonConverter)])]
[JsonSerializable(typeof(OptimizationExecution))]
[JsonSerializable(typeof(List<OptimizationExecution>))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(ObjectiveStatus))]
internal sealed partial class OptimizerJson : JsonSerializerContext
{
    private static readonly Lazy<OptimizerJson> Relaxed = new(() => new OptimizerJson(new JsonSerializerOptions(Default!.Options)
    {
        // Note: like the rest of the API, non-ASCII text (labels, command output) stays readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    }));

    /// <summary>The context with relaxed escaping, used for every write.</summary>
    public static OptimizerJson Writer => Relaxed.Value;

    /// <summary>Serializes one execution on one line (no indentation).</summary>
    public static string Serialize(OptimizationExecution execution)
        => JsonSerializer.Serialize(execution, Writer.OptimizationExecution);

    /// <summary>Parses one execution; throws <see cref="JsonException"/> for malformed input or missing required members.</summary>
    public static OptimizationExecution Deserialize(string json)
        => JsonSerializer.Deserialize(json, Default.OptimizationExecution) ?? throw new JsonException("null instead of an execution");
}
