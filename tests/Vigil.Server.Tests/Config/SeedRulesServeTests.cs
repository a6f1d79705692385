using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary>
/// <c>vigil serve --config</c> with the seed's blocks and an <c>alerting:</c> section: the compiled threshold alerts fire
/// and clear with hysteresis, the aggregation is recorded, and alerts reach a real Alertmanager and a webhook.
/// </summary>
public sealed class SeedRulesServeTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-seed-serve-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static async Task PushAsync(HttpClient http, string metric, double value)
    {
        string json = "[{\"metric_name\": \"" + metric + "\", \"value\": " + Num(value) + ", \"tags\": {\"host\": \"h1\"}}]";
        using var r = await http.PostAsync("api/v1/push", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    private static string Num(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Firing alerts of <paramref name="alertname"/> as severity → value.</summary>
    private static async Task<Dictionary<string, double>> FiringAsync(HttpClient http, string alertname)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/alerts"));
        return doc.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == alertname && a.GetProperty("state").GetString() == "firing")
            .ToDictionary(a => a.GetProperty("labels").GetProperty("severity").GetString()!,
                a => double.Parse(a.GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Task Expect(HttpClient http, VigilProcess vigil, string alertname, params (string Severity, double Value)[] firing)
        => Poll.UntilAsync(async () =>
        {
            var now = await FiringAsync(http, alertname);
            return now.Count == firing.Length && firing.All(f => now.TryGetValue(f.Severity, out double v) && v == f.Value);
        }, () => $"expected {string.Join(", ", firing.Select(f => f.Severity + "=" + f.Value))}\n{vigil.Stderr}", TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Serve_SeedConfig_WarningThenCriticalClearOnlyPastHysteresis_AggregationRecorded()
    {
        // The seed's example as written, with a fast evaluation interval for the test.
        File.WriteAllText(Path.Combine(_work, "vigil.yaml"), SeedAndAlertingConfigTests.SeedYaml + "\nglobal: { evaluation_interval: 1s }\ncollectors: { host: { enabled: false }, self: { enabled: false } }\n");
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--config", "vigil.yaml", "--listen", $"127.0.0.1:{port}", "--data-dir", "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        // cpu_usage: warning at 70 (clears at 63 or below), critical at 85 (clears at 76.5 or below).
        await PushAsync(http, "cpu_usage", 72);
        await Expect(http, vigil, "cpu_usage_high", ("warning", 72));
        await PushAsync(http, "cpu_usage", 90);
        await Expect(http, vigil, "cpu_usage_high", ("warning", 90), ("critical", 90));
        await PushAsync(http, "cpu_usage", 80);
        await Expect(http, vigil, "cpu_usage_high", ("warning", 80), ("critical", 80));
        await PushAsync(http, "cpu_usage", 76);
        await Expect(http, vigil, "cpu_usage_high", ("warning", 76));
        await PushAsync(http, "cpu_usage", 64);
        await Expect(http, vigil, "cpu_usage_high", ("warning", 64));
        await PushAsync(http, "cpu_usage", 62);
        await Expect(http, vigil, "cpu_usage_high");
        // Below the threshold but not past it again: nothing fires until the value crosses 70.
        await PushAsync(http, "cpu_usage", 69);
        await PushAsync(http, "memory_usage", 95);
        await Expect(http, vigil, "memory_usage_high", ("warning", 95), ("critical", 95));
        Assert.Empty(await FiringAsync(http, "cpu_usage_high"));

        // aggregation_rules: avg_over_time(response_time[300s]) recorded as avg_response_time.
        await PushAsync(http, "response_time", 100);
        await Task.Delay(1100);
        await PushAsync(http, "response_time", 300);
        await Poll.UntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/query?query=avg_response_time"));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == "200"
                && result[0].GetProperty("metric").GetProperty("host").GetString() == "h1";
        }, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        using var rules = JsonDocument.Parse(await http.GetStringAsync("api/v1/rules"));
        var groups = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["vigil_aggregation_rules", "vigil_alert_thresholds"], groups.Select(g => g.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(groups, g => Assert.EndsWith("vigil.yaml", g.GetProperty("file").GetString(), StringComparison.Ordinal));

        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Serve_AlertingSection_AlertReachesRealAlertmanagerAndFilteredWebhook_ThenResolves()
    {
        string am = Processes.FindExecutable("prometheus-alertmanager", "alertmanager") ?? throw new InvalidOperationException("install Debian's prometheus-alertmanager");
        File.WriteAllText(Path.Combine(_work, "am.yml"), "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
        int amPort = Processes.FreePort();
        var psi = new ProcessStartInfo(am, [$"--config.file={Path.Combine(_work, "am.yml")}", $"--storage.path={Path.Combine(_work, "am")}",
            $"--web.listen-address=127.0.0.1:{amPort}", "--cluster.listen-address="])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var alertmanager = Process.Start(psi)!;
        var amLog = new StringBuilder();
        alertmanager.ErrorDataReceived += (_, e) => { lock (amLog) { amLog.AppendLine(e.Data); } };
        alertmanager.BeginErrorReadLine();
        var received = new List<JsonDocument>();
        await using var hook = await TestWebServer.StartAsync(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var doc = JsonDocument.Parse(await reader.ReadToEndAsync());
            lock (received)
            {
                received.Add(doc);
            }
            ctx.Response.StatusCode = StatusCodes.Status200OK;
        });
        try
        {
            using var amHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{amPort}/") };
            await Processes.WaitForHttpAsync(amHttp, "-/ready", alertmanager, () => { lock (amLog) { return amLog.ToString(); } }, TimeSpan.FromSeconds(60));

            File.WriteAllText(Path.Combine(_work, "rules.yml"), """
                groups:
                  - name: disk
                    rules:
                      - alert: DiskFull
                        expr: disk_used_ratio > 0.9
                        labels: { severity: critical }
                        annotations: { summary: 'disk at {{ $value | humanizePercentage }}' }
                      - alert: DiskFilling
                        expr: disk_used_ratio > 0.8
                        labels: { severity: warning }
                """);
            File.WriteAllText(Path.Combine(_work, "vigil.yaml"), $$"""
                global:
                  evaluation_interval: 1s
                  external_labels: { cluster: eu1 }
                collectors: { host: { enabled: false }, self: { enabled: false } }
                rule_files: [rules.yml]
                alerting:
                  alertmanagers:
                    - static_configs: [{ targets: ['127.0.0.1:{{amPort}}'] }]
                  webhooks:
                    - name: pager
                      url: {{hook.BaseAddress}}hook
                      severities: [critical]
                      group_wait: 1s
                      group_interval: 1s
                """);
            int port = Processes.FreePort();
            using var vigil = VigilProcess.Start(_work, "serve", "--config", "vigil.yaml", "--listen", $"127.0.0.1:{port}", "--data-dir", "data");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
            await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));
            await PushAsync(http, "disk_used_ratio", 0.95);

            // Both alerts reach the Alertmanager, with the external label and a link back to Vigil.
            JsonElement[] active = [];
            await Poll.UntilAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await amHttp.GetStringAsync("api/v2/alerts"));
                active = doc.RootElement.EnumerateArray().Select(a => a.Clone()).ToArray();
                return active.Length == 2;
            }, () => vigil.Stderr, TimeSpan.FromSeconds(60));
            var full = active.Single(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "DiskFull");
            Assert.Equal("eu1", full.GetProperty("labels").GetProperty("cluster").GetString());
            Assert.Equal("h1", full.GetProperty("labels").GetProperty("host").GetString());
            Assert.Equal("disk at 95%", full.GetProperty("annotations").GetProperty("summary").GetString());
            Assert.StartsWith($"http://127.0.0.1:{port}/", full.GetProperty("generatorURL").GetString(), StringComparison.Ordinal);

            // The webhook takes critical alerts only.
            await Poll.UntilAsync(() => Task.FromResult(Count(received) >= 1), () => vigil.Stderr, TimeSpan.FromSeconds(60));
            var first = received[0].RootElement;
            Assert.Equal("pager", first.GetProperty("receiver").GetString());
            Assert.Equal("firing", first.GetProperty("status").GetString());
            Assert.Equal(["DiskFull"], first.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("labels").GetProperty("alertname").GetString()!));

            // Back to normal: resolved in the Alertmanager and announced to the webhook.
            await PushAsync(http, "disk_used_ratio", 0.5);
            await Poll.UntilAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await amHttp.GetStringAsync("api/v2/alerts"));
                return doc.RootElement.GetArrayLength() == 0;
            }, () => vigil.Stderr, TimeSpan.FromSeconds(60));
            await Poll.UntilAsync(() => Task.FromResult(Count(received) >= 2 && received[^1].RootElement.GetProperty("status").GetString() == "resolved"),
                () => vigil.Stderr, TimeSpan.FromSeconds(60));
            Assert.All(received, d => Assert.All(d.RootElement.GetProperty("alerts").EnumerateArray(),
                a => Assert.Equal("critical", a.GetProperty("labels").GetProperty("severity").GetString())));

            Signals.Send(vigil.Process.Id, Signals.SigTerm);
            Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            alertmanager.Kill(entireProcessTree: true);
            await alertmanager.WaitForExitAsync();
        }
    }

    private static int Count(List<JsonDocument> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }
}
