using System.Net;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary>Live reload of <c>vigil serve --config</c> as a user drives it: SIGHUP, <c>POST /-/reload</c> and editing the files.</summary>
public sealed class ConfigReloadProcessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("vigil-reload-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private const string GoodConfig = """
        global:
          evaluation_interval: 1s
        collectors:
          interval: 1s
          host: { enabled: false }
        rule_files: ['rules/*.yml']
        """;

    private void Write(string name, string text)
    {
        string path = Path.Combine(_work, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Note: write then rename, as editors do, so the server never reads half a file.
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static async Task<List<string>> RuleNamesAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/rules"));
        return doc.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray().Select(r => g.GetProperty("name").GetString() + "/" + r.GetProperty("name").GetString()))
            .Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<double> MetricAsync(HttpClient http, string name)
        => TextFormat.Parse(await http.GetStringAsync("metrics")).Single(s => s.Name == name).Value;

    private static async Task<string> ActiveYamlAsync(HttpClient http)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/status/config"));
        return doc.RootElement.GetProperty("data").GetProperty("yaml").GetString()!;
    }

    [Fact]
    public async Task Serve_ReloadBySighupHttpAndFileChange_BadFileKeepsRunningConfig_GoodFileApplied()
    {
        Write("vigil.yaml", GoodConfig);
        Write("rules/a.yml", "groups:\n  - name: a\n    rules:\n      - record: vigil:one\n        expr: vector(1)\n");
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--config", "vigil.yaml", "--listen", $"127.0.0.1:{port}", "--data-dir", "data");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));
        Assert.Equal(["a/vigil:one"], await RuleNamesAsync(http));
        Assert.Equal(1, await MetricAsync(http, "vigil_config_last_reload_successful"));
        double startedAt = await MetricAsync(http, "vigil_config_last_reload_success_timestamp_seconds");
        Assert.InRange(startedAt, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 300, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);

        // A typo: SIGHUP is refused, logged with the position, and the running configuration stays.
        const string bad = "global:\n  evaluation_interval: 1s\n  scrape_intervall: 5s\nrule_files: ['rules/*.yml']\n";
        Write("vigil.yaml", bad);
        Signals.Send(vigil.Process.Id, Signals.SigHup);
        await Poll.UntilAsync(() => Task.FromResult(vigil.Stderr.Contains("(SIGHUP); the running configuration stays", StringComparison.Ordinal)), () => vigil.Stderr, TimeSpan.FromSeconds(60));
        Assert.Contains("vigil.yaml:3:3: unknown key \"scrape_intervall\" in global", vigil.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await MetricAsync(http, "vigil_config_last_reload_successful"));
        Assert.Equal(startedAt, await MetricAsync(http, "vigil_config_last_reload_success_timestamp_seconds"));
        Assert.DoesNotContain("scrape_intervall", await ActiveYamlAsync(http), StringComparison.Ordinal);
        Assert.Equal(["a/vigil:one"], await RuleNamesAsync(http));

        // The same through HTTP: 400 with the error (the file is the client's to fix).
        using (var r = await http.PostAsync("-/reload", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            string body = await r.Content.ReadAsStringAsync();
            Assert.StartsWith("failed to reload config: ", body, StringComparison.Ordinal);
            Assert.Contains("vigil.yaml:3:3: unknown key \"scrape_intervall\" in global", body, StringComparison.Ordinal);
        }

        // The failure is stored like any of Vigil's own metrics, so it can be queried and alerted on.
        await Poll.UntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/query?query=vigil_config_last_reload_successful"));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == "0";
        }, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        // A rule file with invalid PromQL is rejected as a whole too.
        Write("vigil.yaml", GoodConfig);
        Write("rules/b.yml", "groups:\n  - name: b\n    rules:\n      - record: vigil:two\n        expr: sum(vector(2)\n");
        using (var r = await http.PostAsync("-/reload", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("rules/b.yml:5:15: group \"b\", rule 1, \"vigil:two\": could not parse expression", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(["a/vigil:one"], await RuleNamesAsync(http));

        // Fixed: POST /-/reload answers 200 and everything is in force without a restart.
        Write("rules/b.yml", "groups:\n  - name: b\n    rules:\n      - record: vigil:two\n        expr: sum(vector(2))\n");
        Write("vigil.yaml", GoodConfig.Replace("interval: 1s\n  host", "interval: 2s\n  host", StringComparison.Ordinal));
        using (var r = await http.PostAsync("-/reload", null))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Assert.Equal(["a/vigil:one", "b/vigil:two"], await RuleNamesAsync(http));
        Assert.Equal(1, await MetricAsync(http, "vigil_config_last_reload_successful"));
        Assert.True(await MetricAsync(http, "vigil_config_last_reload_success_timestamp_seconds") > startedAt);
        Assert.Contains("interval: 2s", await ActiveYamlAsync(http), StringComparison.Ordinal);
        await Poll.UntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/query?query=vigil:two"));
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 1 && result[0].GetProperty("value")[1].GetString() == "2";
        }, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        // Editing a rule file is noticed without a signal.
        Write("rules/a.yml", "groups:\n  - name: a\n    rules:\n      - record: vigil:one\n        expr: vector(1)\n      - record: vigil:three\n        expr: vector(3)\n");
        await Poll.UntilAsync(async () => (await RuleNamesAsync(http)).Contains("a/vigil:three"), () => vigil.Stderr, TimeSpan.FromSeconds(60));
        Assert.Contains("(file changed)", vigil.Stderr, StringComparison.Ordinal);

        // And a good file on SIGHUP is applied.
        Write("vigil.yaml", GoodConfig.Replace("evaluation_interval: 1s", "evaluation_interval: 3s", StringComparison.Ordinal));
        Signals.Send(vigil.Process.Id, Signals.SigHup);
        await Poll.UntilAsync(async () => (await ActiveYamlAsync(http)).Contains("evaluation_interval: 3s", StringComparison.Ordinal), () => vigil.Stderr, TimeSpan.FromSeconds(60));
        using (var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/rules")))
        {
            Assert.All(doc.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray(), g => Assert.Equal(3, g.GetProperty("interval").GetDouble()));
        }
        Assert.Equal(1, await MetricAsync(http, "vigil_config_last_reload_successful"));

        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        int code = await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"exit code {code}; stderr:\n{vigil.Stderr}");
    }

    [Fact]
    public async Task Serve_WithoutConfigFile_ReloadAnswers500AndSighupKeepsRunning()
    {
        int port = Processes.FreePort();
        using var vigil = VigilProcess.Start(_work, "serve", "--listen", $"127.0.0.1:{port}", "--data-dir", "data", "--collectors", "none");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await Processes.WaitForHttpAsync(http, "-/ready", vigil.Process, () => vigil.Stderr, TimeSpan.FromSeconds(60));

        using (var r = await http.PostAsync("-/reload", null))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
            Assert.Contains("no configuration file to reload", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var r = await http.GetAsync("-/reload"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, r.StatusCode);
        }
        Signals.Send(vigil.Process.Id, Signals.SigHup);
        await Poll.UntilAsync(() => Task.FromResult(vigil.Stderr.Contains("Received SIGHUP, but there is no configuration file", StringComparison.Ordinal)), () => vigil.Stderr);
        using (var r = await http.GetAsync("-/healthy"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        Signals.Send(vigil.Process.Id, Signals.SigTerm);
        Assert.Equal(0, await vigil.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
