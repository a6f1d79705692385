using System.Net;
using Vigil.Cli;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Optimizer;

/// <summary>
/// The shell-injection fault: a <c>command</c> executor that templated a pushed label into <c>sh -c</c> ran the label's
/// <c>$(…)</c>. Such a configuration is now refused everywhere; written as advised (an environment variable or a
/// positional argument), a hostile label reaches the script as literal text through a real server and a real /bin/sh.
/// </summary>
[Collection(OptimizerCollection.Name)]
public sealed class ShellInjectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-inject-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Marker => Path.Combine(_dir, "pwned");

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A configuration with an alert on a pushed metric and a command executor in auto mode.</summary>
    private string Config(string command) => $$"""
        global: { evaluation_interval: 200ms }
        rule_files: [rules.yml]
        optimization:
          mode: auto
          interval: 200ms
          evaluation: { baseline: 1s, settle: 1h, observation: 1h, step: 1s }
          executors:
            - name: report
              type: command
              command: {{command}}
              rollback_command: [/bin/true]
          policies:
            - name: report-service
              match: { alert: SecHigh }
              action: { type: ConfigurationUpdate, executor: report, target: 'svc/{{"{{"}} .Labels.service {{"}}"}}' }
              evaluation:
                target: { name: v, query: 'sum(sec_metric)', better: lower }
        """;

    private const string AlertRules = "groups:\n  - name: sec\n    rules:\n      - alert: SecHigh\n        expr: sec_metric > 50\n";

    [Fact]
    public async Task CheckConfig_LabelTemplatedIntoShellScript_RefusedNamingLineColumnAndTheEnvVariableWay()
    {
        Write("rules.yml", AlertRules);
        string path = Write("vigil.yaml", Config("""[/bin/sh, -c, 'echo "service={{ .Labels.service }}"']"""));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await VigilCli.RunAsync(["check", "config", path], new FixedStorageProvider(new MemoryStorage()), stdout, stderr);

        Assert.Equal(1, code);
        string err = stderr.ToString();
        Assert.Contains($"{path}:10:30: invalid \"command\" in optimization.executors[0]: argument 2 is a template inside code that is run (sh -c runs its first operand as a shell script)", err, StringComparison.Ordinal);
        Assert.Contains("$VIGIL_LABEL_service", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/bin/sh", "-c", "echo \"service={{ .Labels.service }}\"")]
    [InlineData("/usr/bin/env", "bash", "-ec", "echo {{ .Target }}")]
    [InlineData("/usr/bin/python3", "-c", "import os; os.system('{{ .Labels.service }}')")]
    [InlineData("/usr/bin/perl", "-e", "system(\"{{ .Labels.service }}\")")]
    [InlineData("/usr/bin/awk", "BEGIN { system(\"{{ .Labels.service }}\") }")]
    [InlineData("/usr/bin/ssh", "host", "echo {{ .Labels.service }}")]
    [InlineData("/bin/sh", "{{ .Parameters.script }}")]
    [InlineData("{{ .Parameters.program }}", "--apply")]
    public void Optimizer_TemplateInCodeOfAShell_RefusedAtStart(params string[] argv)
    {
        var config = OptimizerConfigs.Optimization(OptimizationMode.Auto, [new OptimizationExecutorConfig
        {
            Name = "bad",
            Type = OptimizationExecutorKind.Command,
            Command = argv,
            RollbackCommand = ["/bin/true"],
        }], []);

        var ex = Assert.Throws<ArgumentException>(() => new Vigil.Optimizer.PerformanceOptimizer(config, new MemoryStorage(), null, [], new UnusedJudge()));

        Assert.StartsWith("command executor bad: command: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/bin/sh", "-c", "echo \"$1\"", "sh", "{{ .Labels.service }}")]
    [InlineData("/usr/bin/env", "SERVICE={{ .Labels.service }}", "/bin/sh", "-c", "echo \"$SERVICE\"")]
    [InlineData("/usr/local/bin/resize", "--to", "{{ .Parameters.size }}")]
    [InlineData("/bin/sh", "/opt/scripts/report.sh", "{{ .Labels.service }}")]
    [InlineData("/usr/bin/python3", "/opt/report.py", "--service", "{{ .Labels.service }}")]
    public void Optimizer_TemplateAsLiteralArgument_Accepted(params string[] argv)
    {
        var config = OptimizerConfigs.Optimization(OptimizationMode.Auto, [new OptimizationExecutorConfig
        {
            Name = "ok",
            Type = OptimizationExecutorKind.Command,
            Command = argv,
            RollbackCommand = ["/bin/true"],
        }], []);

        var optimizer = new Vigil.Optimizer.PerformanceOptimizer(config, new MemoryStorage(), null, [], new UnusedJudge());

        Assert.Equal(OptimizationMode.Auto, optimizer.Config.Mode);
    }

    [Theory]
    [InlineData("""[/bin/sh, -c, 'printf "service=%s" "$VIGIL_LABEL_service" > {0}']""")]
    [InlineData("""[/bin/sh, -c, 'printf "service=%s" "$1" > {0}', sh, '{{ .Labels.service }}']""")]
    public async Task PushedHostileLabel_ReachesTheScriptAsLiteralText_AndRunsNothing(string commandFormat)
    {
        string output = Path.Combine(_dir, "out.txt");
        string hostile = "pwn$(touch " + Marker + ")`touch " + Marker + "`;touch " + Marker;
        Write("rules.yml", AlertRules);
        string path = Write("vigil.yaml", Config(commandFormat.Replace("{0}", output, StringComparison.Ordinal)));
        var config = VigilConfig.Load(path);
        var storage = new MemoryStorage();
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectHost = false,
            CollectSelf = false,
            CollectionInterval = TimeSpan.FromHours(1),
            Rules = config.RuleOptions(),
            Optimization = config.Optimization,
            StatisticalJudge = new UnusedJudge(),
            DataDirectory = Path.Combine(_dir, "data"),
        }, storage);
        var server = vigil.Server;
        var http = vigil.Http;

        string escaped = hostile.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(output) || (await File.ReadAllTextAsync(output)).Length == 0)
        {
            // Pushed again and again so the alert's series stays fresh until the executor has run.
            using (var r = await http.PostAsync("/api/v1/import/prometheus", new StringContent($"sec_metric{{service=\"{escaped}\"}} 100\n")))
            {
                Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
            }
            Assert.True(DateTime.UtcNow < deadline, "the executor did not run within 60 s: " + string.Join("; ", server.Optimizer!.Executions().Select(e => e.Status + " " + e.Error)));
            await Task.Delay(200);
        }

        Assert.Equal("service=" + hostile, await File.ReadAllTextAsync(output));
        await Task.Delay(500);
        Assert.False(File.Exists(Marker), "the label's command ran");
        var audit = server.Optimizer!.AuditEntries(10);
        Assert.Contains(audit, a => a is { Kind: "execution", Action: "apply", Result: "ok", Principal: "optimizer" } && a.Target == "svc/" + hostile);
    }
}
