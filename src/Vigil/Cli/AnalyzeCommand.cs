using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Analysis.Insights;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil analyze</c>: the analysis insights as a table or JSON, from a running server (<c>/api/v1/insights</c>) or,
/// with <c>--data-dir</c>, from the insights a server saved in its data directory.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(TextWriter stdout)
    {
        var server = CommonOptions.Server();
        var dataDir = CommonOptions.OfflineDataDir();
        var output = CommonOptions.OutputFormat("table (for people) or json (the API's data).");
        var state = EnumList<InsightState>("--state", "Only these states, comma-separated: active, resolved.", "STATE");
        var type = EnumList<InsightType>("--type",
            "Only these types, comma-separated: PerformanceDegradation, ResourceExhaustion, BottleneckDetected, AnomalyDetected, TrendIdentified.", "TYPE");
        var severity = EnumList<InsightSeverity>("--severity", "Only these severities, comma-separated: Low, Medium, High, Critical.", "SEVERITY");
        var command = new Command("analyze", "Show the insights of the analysis (trends, bottlenecks, anomalies, capacity) with their recommendations.")
        {
            server, dataDir, output, state, type, severity,
        };
        var auth = new ServerAuthOptions().AddTo(command);
        CommonOptions.AddSourceValidator(command, server, dataDir);
        command.SetAction(async (result, ct) =>
        {
            using var doc = result.GetValue(dataDir) is { } dir
                ? FromDataDir(dir, result.GetValue(state), result.GetValue(type), result.GetValue(severity))
                : await FromServerAsync(auth.Target(result, result.GetValue(server)!), result.GetValue(state), result.GetValue(type), result.GetValue(severity), ct).ConfigureAwait(false);
            var data = doc.RootElement.GetProperty("data");
            if (result.GetValue(output) == "json")
            {
                await stdout.WriteLineAsync(data.GetRawText()).ConfigureAwait(false);
                return 0;
            }
            await stdout.WriteAsync(Table(data, DateTimeOffset.UtcNow)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task<JsonDocument> FromServerAsync(ServerTarget target, string? state, string? type, string? severity, CancellationToken ct)
    {
        var query = new StringBuilder("api/v1/insights");
        char sep = '?';
        foreach (var (name, value) in new[] { ("state", state), ("type", type), ("severity", severity) })
        {
            if (value is { Length: > 0 })
            {
                query.Append(sep).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                sep = '&';
            }
        }
        using var client = new OptimizeCommand.Client(target, null);
        return await client.SendAsync(HttpMethod.Get, query.ToString(), ct).ConfigureAwait(false);
    }

    /// <summary>The saved insights of <paramref name="dataDir"/>, filtered, in the API's envelope (<c>{"data": {"enabled", "insights"}}</c>).</summary>
    private static JsonDocument FromDataDir(string dataDir, string? state, string? type, string? severity)
    {
        if (!Directory.Exists(dataDir))
        {
            throw new CliException($"data directory {Path.GetFullPath(dataDir)} does not exist (give --data-dir DIR, or --server URL to read from a running server)");
        }
        IReadOnlyList<PerformanceInsight>? insights;
        try
        {
            insights = InsightFile.Read(dataDir);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CliException($"cannot read the insights in {Path.GetFullPath(InsightFile.PathIn(dataDir))}: {e.Message}");
        }
        if (insights is null)
        {
            throw new CliException($"no insights saved in {Path.GetFullPath(dataDir)}: a server with analysis enabled writes {Path.GetRelativePath(dataDir, InsightFile.PathIn(dataDir))} there after its first analysis run");
        }
        var states = Parse<InsightState>(state);
        var types = Parse<InsightType>(type);
        var severities = Parse<InsightSeverity>(severity);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("data");
            w.WriteBoolean("enabled", true);
            w.WriteStartArray("insights");
            foreach (var i in insights)
            {
                if ((states.Count == 0 || states.Contains(i.State)) && (types.Count == 0 || types.Contains(i.Type)) && (severities.Count == 0 || severities.Contains(i.Severity)))
                {
                    InsightFile.Write(w, i);
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return JsonDocument.Parse(buffer.ToArray());
    }

    /// <summary>A comma-separated list of <typeparamref name="T"/>'s names (any case), checked as the API checks it.</summary>
    private static Option<string?> EnumList<T>(string name, string description, string helpName)
        where T : struct, Enum
    {
        var option = new Option<string?>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                foreach (string part in Split(token.Value))
                {
                    if (!TryParseName<T>(part, out _))
                    {
                        r.AddError($"{name}: \"{part}\" is not one of {string.Join(", ", Enum.GetNames<T>())}");
                    }
                }
            }
        });
        return option;
    }

    private static HashSet<T> Parse<T>(string? text)
        where T : struct, Enum
        => Split(text ?? string.Empty).Select(p => TryParseName<T>(p, out var v) ? v : throw new CliException($"\"{p}\" is not one of {string.Join(", ", Enum.GetNames<T>())}", VigilCli.UsageError)).ToHashSet();

    // Note: Enum.TryParse also takes numbers; names only, as the API.
    private static bool TryParseName<T>(string text, out T value)
        where T : struct, Enum
        => Enum.TryParse(text, ignoreCase: true, out value) && !int.TryParse(text, CultureInfo.InvariantCulture, out _);

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>One row per insight: severity, type, state, age, description; the top recommendation on the next line.</summary>
    internal static string Table(JsonElement data, DateTimeOffset now)
    {
        if (!data.GetProperty("enabled").GetBoolean())
        {
            return "The server runs without analysis (analysis: enabled: false).\n";
        }
        var insights = data.GetProperty("insights").EnumerateArray().ToList();
        if (insights.Count == 0)
        {
            return "No insights.\n";
        }
        var rows = new List<string[]> { new[] { "SEVERITY", "TYPE", "STATE", "SINCE", "DESCRIPTION" } };
        foreach (var i in insights)
        {
            var since = i.GetProperty("startsAt").GetDateTimeOffset();
            rows.Add(
            [
                OptimizeCommand.Str(i, "severity"),
                OptimizeCommand.Str(i, "type"),
                OptimizeCommand.Str(i, "state"),
                Age(now - since),
                OptimizeCommand.Str(i, "description"),
            ]);
            if (i.TryGetProperty("recommendations", out var recs) && recs.GetArrayLength() > 0)
            {
                var r = recs[0];
                rows.Add(["", "", "", "", string.Create(CultureInfo.InvariantCulture,
                    $"→ {OptimizeCommand.Str(r, "type")}: {OptimizeCommand.Str(r, "description")} (impact {r.GetProperty("expectedImpact").GetDouble() * 100:0} %, cost {OptimizeCommand.Str(r, "implementationCost")})")]);
            }
        }
        int active = insights.Count(i => OptimizeCommand.Str(i, "state") == "Active");
        return OptimizeCommand.Table(rows) + string.Create(CultureInfo.InvariantCulture, $"{active} active, {insights.Count - active} resolved\n");
    }

    private static string Age(TimeSpan d) => d.TotalDays >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays}d{d.Hours}h")
        : d.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h{d.Minutes}m")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)d.TotalMinutes)}m");
}
