using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Cli.Tests;

/// <summary><c>vigil check config</c> and <c>vigil serve --config</c> in-process.</summary>
public sealed class CheckConfigCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-check-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class NoStorage : IStorageProvider
    {
        public bool Opened { get; private set; }

        public IStorage Open(StorageSettings settings, ILoggerFactory loggers)
        {
            Opened = true;
            return new MemoryStorage();
        }

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => new MemoryStorage();

        public IStorage OpenInMemory()
        {
            Opened = true;
            return new MemoryStorage();
        }
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(IStorageProvider? provider, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, provider ?? new NoStorage(), stdout, stderr);
        return (code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task CheckConfig_ValidFile_PrintsOkAndSummary()
    {
        Write("targets.yml", "- targets: ['a:1', 'b:2']\n");
        string path = Write("vigil.yaml", """
            global:
              scrape_interval: 15s
              external_labels: { dc: x }
            scrape_configs:
              - job_name: node
                static_configs: [{ targets: ['localhost:9100'] }]
              - job_name: apps
                file_sd_configs: [{ files: ['targets.yml'] }]
            collectors:
              host: { enabled: false }
            analysis: { enabled: true }
            """);
        var (code, output, err) = await RunAsync(null, "check", "config", path);
        Assert.True(code == 0, err);
        Assert.Equal(
            $"OK: {path}\n" +
            "  global: scrape_interval 15s, scrape_timeout 10s, evaluation_interval 1m, 1 external label\n" +
            "  scrape_configs: 2 jobs: node (1 static target, every 15s), apps (1 file_sd pattern, every 15s)\n" +
            "  file_sd: 1 file with 2 targets\n" +
            "  collectors: self every 5s\n" +
            "  analysis: on, detector vigil, every 15s, 0 selectors plus the built-in series, insights every 1m\n",
            output);
    }

    [Fact]
    public async Task CheckConfig_SeedBlocks_SummaryAndPrintRulesThatPromtoolAccepts()
    {
        string path = Write("vigil.yaml", SeedConfigText.Yaml + "\nalerting:\n  webhooks: [{ name: ops, url: 'http://127.0.0.1:9/' }]\n");
        var (code, output, err) = await RunAsync(null, "check", "config", path);
        Assert.True(code == 0, err);
        Assert.Contains("  collectors: host, self every 30s\n", output, StringComparison.Ordinal);
        Assert.Contains("  storage: retention_time 1d\n", output, StringComparison.Ordinal);
        Assert.Contains("  alerting: 0 Alertmanagers, 1 webhook\n", output, StringComparison.Ordinal);
        Assert.Contains("  seed rules: 6 alerting rules from alert_thresholds, 2 recording rules from aggregation_rules (--print-rules shows them)\n", output, StringComparison.Ordinal);
        // performance_analysis sets when the insight engines run.
        Assert.Contains(", insights every 5m\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not applied", output, StringComparison.Ordinal);

        (code, output, err) = await RunAsync(null, "check", "config", "--print-rules", path);
        Assert.True(code == 0, err);
        Assert.StartsWith("groups:\n  - name: \"vigil_alert_thresholds\"\n", output, StringComparison.Ordinal);
        Assert.Contains("      - record: \"avg_response_time\"\n        expr: \"avg_over_time(response_time[300s])\"\n", output, StringComparison.Ordinal);
        string printed = Write("seed_rules.yml", output);
        string promtool = Processes.FindExecutable("promtool") ?? throw new InvalidOperationException("promtool not found: install Debian's 'prometheus' package");
        var psi = new System.Diagnostics.ProcessStartInfo(promtool, ["check", "rules", printed]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string promOut = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, promOut);
        Assert.Contains("SUCCESS: 8 rules found", promOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_Errors_PrintedWithPositionsAndExit1()
    {
        string path = Write("vigil.yaml", """
            scrape_configs:
              - job_name: node
                scrape_intervall: 5s
                static_configs: [{ targets: ['localhost:9100'] }]
                relabel_configs:
                  - { action: hashmod, target_label: shard }
            """);
        var (code, output, err) = await RunAsync(null, "check", "config", path);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal(
            $"{path}:3:5: unknown key \"scrape_intervall\" in scrape_configs[0]\n" +
            $"{path}:6:9: relabel configuration for hashmod requires non-zero modulus in scrape_configs[0].relabel_configs[0]\n" +
            $"FAILED: {path}: 2 errors\n",
            err);
    }

    [Fact]
    public async Task CheckConfig_BrokenFileSdFile_NamesThatFile()
    {
        string sd = Write("targets.json", "[\n  {\"targets\": [\"a:1\"], \"lables\": {}}\n]\n");
        string path = Write("vigil.yaml", "scrape_configs:\n  - job_name: apps\n    file_sd_configs: [{ files: ['*.json'] }]\n");
        var (code, _, err) = await RunAsync(null, "check", "config", path);
        Assert.Equal(1, code);
        Assert.StartsWith($"{sd}:2:24: unknown key \"lables\" in target group 0\n", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_MissingFile_Exit1()
    {
        var (code, _, err) = await RunAsync(null, "check", "config", Path.Combine(_dir, "nope.yaml"));
        Assert.Equal(1, code);
        Assert.Contains("nope.yaml: cannot read the configuration file", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_InvalidConfig_Exit1WithoutOpeningStorage()
    {
        string path = Write("vigil.yaml", "global:\n  scrape_interval: fast\n");
        var provider = new NoStorage();
        var (code, _, err) = await RunAsync(provider, "serve", "--config", path);
        Assert.Equal(1, code);
        Assert.Contains($"{path}:2:20: invalid \"scrape_interval\" in global: not a valid duration string: \"fast\"", err, StringComparison.Ordinal);
        Assert.Contains("nothing was started", err, StringComparison.Ordinal);
        Assert.False(provider.Opened);
    }
}
