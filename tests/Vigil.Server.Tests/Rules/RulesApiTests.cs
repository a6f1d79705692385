using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vigil.Rules;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Rules;

/// <summary><c>/api/v1/rules</c> and <c>/api/v1/alerts</c> next to Debian's Prometheus running the same rule file, and the rule metrics.</summary>
public sealed class RulesApiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-rules-api-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string RuleFile = """
        groups:
          - name: g
            interval: 1s
            rules:
              - alert: Firing
                expr: vector(1)
                labels: { severity: page }
                annotations: { summary: 'value {{ $value }}' }
              - alert: Waiting
                expr: vector(1)
                for: 1h
              - record: two
                expr: vector(2)
              - record: broken
                expr: vector(1) * on() (label_replace(vector(1), "x", "1", "", "") or label_replace(vector(1), "x", "2", "", ""))
        """;

    /// <summary>Every key path with its JSON kind (<c>data.groups[].rules[].health:String</c>); labels and annotations are data, not shape.</summary>
    private static SortedSet<string> Shape(JsonElement e, string path = "", SortedSet<string>? into = null)
    {
        into ??= new SortedSet<string>(StringComparer.Ordinal);
        switch (e.ValueKind)
        {
            case JsonValueKind.Object when !path.EndsWith(".labels", StringComparison.Ordinal) && !path.EndsWith(".annotations", StringComparison.Ordinal):
                foreach (var p in e.EnumerateObject())
                {
                    Shape(p.Value, path + "." + p.Name, into);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Shape(item, path + "[]", into);
                }
                break;
            default:
                into.Add(path + ":" + e.ValueKind);
                break;
        }
        return into;
    }

    private static async Task<JsonDocument> WhenEvaluatedAsync(HttpClient http, Func<string> log)
    {
        JsonDocument? doc = null;
        await Poll.UntilAsync(async () =>
        {
            doc?.Dispose();
            doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/rules"));
            var rules = doc.RootElement.GetProperty("data").GetProperty("groups")[0].GetProperty("rules");
            return rules.GetArrayLength() == 4 && rules[0].GetProperty("state").GetString() == "firing" && rules[3].GetProperty("health").GetString() == "err";
        }, log, TimeSpan.FromSeconds(60));
        return doc!;
    }

    [Fact]
    public async Task RulesAndAlerts_SameShapesAndValuesAsPrometheus_RuleMetricsExported()
    {
        string rules = Path.Combine(_dir, "rules.yml");
        await File.WriteAllTextAsync(rules, RuleFile);
        await File.WriteAllTextAsync(Path.Combine(_dir, "prometheus.yml"), "global: { evaluation_interval: 1s }\nrule_files: [rules.yml]\n");
        string prometheus = Processes.FindExecutable("prometheus") ?? throw new InvalidOperationException("prometheus is not installed (apt-get install prometheus)");
        int port = Processes.FreePort();
        var psi = new ProcessStartInfo(prometheus, [$"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "prom")}",
            $"--web.listen-address=127.0.0.1:{port}"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        var log = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        string Log()
        {
            lock (log)
            {
                return log.ToString();
            }
        }
        try
        {
            using var prom = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            await Processes.WaitForHttpAsync(prom, "-/ready", process, Log, TimeSpan.FromSeconds(60));
            await using var server = new VigilServer(new VigilServerOptions
            {
                Listen = new ListenAddress("127.0.0.1", 0),
                CollectHost = false,
                CollectSelf = false,
                Rules = new RuleManagerOptions { RuleFiles = [rules], EvaluationInterval = TimeSpan.FromSeconds(1) },
            }, new MemoryStorage());
            await server.StartAsync();
            using var vigil = new HttpClient { BaseAddress = server.BaseAddress };

            using var promRules = await WhenEvaluatedAsync(prom, Log);
            using var vigilRules = await WhenEvaluatedAsync(vigil, () => "Vigil never evaluated the group");
            Assert.Equal(Shape(promRules.RootElement), Shape(vigilRules.RootElement));
            var p = promRules.RootElement.GetProperty("data").GetProperty("groups")[0].GetProperty("rules");
            var v = vigilRules.RootElement.GetProperty("data").GetProperty("groups")[0].GetProperty("rules");
            for (int i = 0; i < 4; i++)
            {
                foreach (string key in new[] { "name", "query", "health", "type" })
                {
                    Assert.Equal(p[i].GetProperty(key).GetString(), v[i].GetProperty(key).GetString());
                }
            }
            // Note: Prometheus 2.42 lists the two duplicate series in arrival order; Vigil sorts them, so only the start is compared.
            const string duplicate = "found duplicate series for the match group {} on the right hand-side of the operation: [";
            Assert.StartsWith(duplicate, p[3].GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.StartsWith(duplicate, v[3].GetProperty("lastError").GetString(), StringComparison.Ordinal);
            Assert.Equal(p[1].GetProperty("state").GetString(), v[1].GetProperty("state").GetString());
            Assert.Equal(p[1].GetProperty("duration").GetDouble(), v[1].GetProperty("duration").GetDouble());

            using var promAlerts = JsonDocument.Parse(await prom.GetStringAsync("api/v1/alerts"));
            using var vigilAlerts = JsonDocument.Parse(await vigil.GetStringAsync("api/v1/alerts"));
            Assert.Equal(Shape(promAlerts.RootElement), Shape(vigilAlerts.RootElement));
            static string Summary(JsonDocument d) => string.Join(";", d.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                .Select(a => a.GetProperty("labels").GetProperty("alertname").GetString() + "," + a.GetProperty("state").GetString() + "," + a.GetProperty("value").GetString()
                    + "," + (a.GetProperty("annotations").TryGetProperty("summary", out var s) ? s.GetString() : string.Empty))
                .Order(StringComparer.Ordinal));
            Assert.Equal(Summary(promAlerts), Summary(vigilAlerts));

            // Rule evaluation metrics, by group.
            string group = rules + ";g";
            var metrics = TextFormat.Parse(await vigil.GetStringAsync("metrics"));
            Assert.Contains(metrics, s => s.Name == "vigil_rule_evaluations_total" && s.Labels.GetValueOrDefault("rule_group") == group && s.Value >= 4);
            Assert.Contains(metrics, s => s.Name == "vigil_rule_evaluation_failures_total" && s.Labels.GetValueOrDefault("rule_group") == group && s.Value >= 1);
            Assert.Contains(metrics, s => s.Name == "vigil_rule_evaluation_duration_seconds_count" && s.Labels.GetValueOrDefault("rule_group") == group && s.Value >= 1);
            double last = metrics.Single(s => s.Name == "vigil_rule_group_last_evaluation_timestamp_seconds" && s.Labels.GetValueOrDefault("rule_group") == group).Value;
            Assert.InRange(last, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
