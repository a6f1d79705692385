using System.Globalization;
using System.Text.Json;

namespace Vigil.Cli.Demo;

/// <summary>The parts of an execution from <c>/api/v1/optimizations</c> that the demo reports.</summary>
internal sealed record DemoExecution
{
    public required string Id { get; init; }

    public required string Policy { get; init; }

    public required string Type { get; init; }

    public required string Target { get; init; }

    public required string Mode { get; init; }

    public required string Status { get; init; }

    public required string Phase { get; init; }

    public string Parameters { get; init; } = string.Empty;

    public string? PreviousValue { get; init; }

    public string? AppliedValue { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? AppliedAt { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    public double? Impact { get; init; }

    public string? Reason { get; init; }

    public string? Error { get; init; }

    public IReadOnlyList<Metric> Metrics { get; init; } = [];

    public bool IsTerminal => Status is not ("Pending" or "Running");

    /// <summary>The short id the CLI accepts (<c>vigil optimize show ID</c>).</summary>
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    public static DemoExecution Parse(JsonElement e)
    {
        var action = e.GetProperty("action");
        var metrics = new List<Metric>();
        string? reason = null;
        if (e.TryGetProperty("evidence", out var evidence))
        {
            reason = Str(evidence, "reason");
            foreach (var m in evidence.GetProperty("metrics").EnumerateArray())
            {
                metrics.Add(new Metric(Str(m, "name")!, Str(m, "role")!, Str(m, "classification")!,
                    Num(m.GetProperty("baseline"), "median"), Num(m.GetProperty("observation"), "median"),
                    Num(m, "pValue"), Num(m, "effectSize"), (int)(Num(m.GetProperty("baseline"), "count") ?? 0), (int)(Num(m.GetProperty("observation"), "count") ?? 0)));
            }
        }
        string parameters = action.TryGetProperty("parameters", out var p)
            ? string.Join(", ", p.EnumerateObject().Select(x => x.Name + "=" + x.Value.GetString()))
            : string.Empty;
        return new DemoExecution
        {
            Id = Str(e, "id")!,
            Policy = Str(action, "policy")!,
            Type = Str(action, "type")!,
            Target = Str(action, "target")!,
            Mode = Str(e, "mode")!.ToLowerInvariant(),
            Status = Str(e, "status")!,
            Phase = Str(e, "phase")!,
            Parameters = parameters,
            PreviousValue = Str(e, "previousValue"),
            AppliedValue = Str(e, "appliedValue"),
            CreatedAt = Time(e, "createdAt") ?? DateTimeOffset.MinValue,
            AppliedAt = Time(e, "appliedAt"),
            EndTime = Time(e, "endTime"),
            Impact = Num(e, "actualImpact"),
            Reason = reason,
            Error = Str(e, "error"),
            Metrics = metrics,
        };
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static DateTimeOffset? Time(JsonElement e, string name)
        => Str(e, name) is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null;

    /// <summary>One metric of the evidence: its classification, the two windows' medians and the test's p-value.</summary>
    public sealed record Metric(string Name, string Role, string Classification, double? BaselineMedian, double? ObservationMedian,
        double? PValue, double? EffectSize, int BaselineCount, int ObservationCount);
}
