using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vigil.Cli;

/// <summary><c>vigil analyze</c>: the analysis insights of a running server (<c>/api/v1/insights</c>) as a table or JSON.</summary>
internal static class AnalyzeCommand
{
    public static Command Create(TextWriter stdout)
    {
        var server = CommonOptions.RunningServer("The Vigil server, e.g. " + CommonOptions.DefaultServer + ".");
        var output = CommonOptions.OutputFormat("table (for people) or json (the API's data).");
        var state = new Option<string?>("--state") { Description = "Only these states, comma-separated: active, resolved.", HelpName = "STATE" };
        var type = new Option<string?>("--type")
        {
            Description = "Only these types, comma-separated: PerformanceDegradation, ResourceExhaustion, BottleneckDetected, AnomalyDetected, TrendIdentified.",
            HelpName = "TYPE",
        };
        var severity = new Option<string?>("--severity") { Description = "Only these severities, comma-separated: Low, Medium, High, Critical.", HelpName = "SEVERITY" };
        var command = new Command("analyze", "Show the insights of a running server's analysis (trends, bottlenecks, anomalies, capacity) with their recommendations.")
        {
            server, output, state, type, severity,
        };
        var auth = new ServerAuthOptions().AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var query = new StringBuilder("api/v1/insights");
            char sep = '?';
            foreach (var (name, option) in new[] { ("state", state), ("type", type), ("severity", severity) })
            {
                if (result.GetValue(option) is { Length: > 0 } v)
                {
                    query.Append(sep).Append(name).Append('=').Append(Uri.EscapeDataString(v));
                    sep = '&';
                }
            }
            using var client = new OptimizeCommand.Client(auth.Target(result, result.GetValue(server)!), null);
            using var doc = await client.SendAsync(HttpMethod.Get, query.ToString(), ct).ConfigureAwait(false);
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
