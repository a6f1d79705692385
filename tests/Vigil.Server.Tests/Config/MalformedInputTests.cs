using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Cli;
using Vigil.Core.Config;
using Vigil.Rules;
using Vigil.Rules.Yaml;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary>
/// Files and reloads that are not valid YAML or JSON: every reader answers with file:line:col (HTTP: 400 with the
/// reason), never an unhandled exception, a stack overflow or a 500.
/// </summary>
public sealed class MalformedInputTests : IDisposable
{
    /// <summary>
    /// An unclosed <c>[</c> in a flow mapping followed by an indented key: YamlDotNet's scanner throws
    /// InvalidOperationException ("Operation is not valid due to the current state of the object.") on this.
    /// </summary>
    internal const string UnclosedFlow = "global:\n  external_labels: {env: [\n  scrape_interval: 15s\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-malformed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new FixedStorageProvider(new MemoryStorage()), stdout, stderr);
        return (code, stdout.ToString().ReplaceLineEndings("\n"), stderr.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Parse_UnclosedBracketInFlowMapping_ConfigErrorWithLineAndColumn()
    {
        var ex = Assert.Throws<ConfigException>(() => VigilConfig.Parse(UnclosedFlow, "vigil.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("vigil.yaml:3:3: invalid YAML: the YAML parser stopped here; look for an unclosed [ or { before this point", error.ToString());
    }

    [Fact]
    public void Parse_AlertmanagerAddressThatMakesNoUrl_ConfigErrorAtTheTarget()
    {
        // Found by ConfigLoaderPropertyTests: this used to escape as UriFormatException.
        const string yaml = "alerting:\n  alertmanagers:\n    - static_configs: [{ targets: ['127.0.0.1:90: 93'] }]\n";

        var ex = Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml, "vigil.yaml"));

        Assert.Equal("vigil.yaml:3:36: \"127.0.0.1:90: 93\" with path_prefix \"/\" does not make a valid URL in alerting.alertmanagers[0].static_configs[0].targets[0]",
            Assert.Single(ex.Errors).ToString());
    }

    [Theory]
    [InlineData(100_000, "[", "]")]
    [InlineData(20_000, "{a: ", "}")]
    [InlineData(5_000, "- ", "")]
    public void Parse_NestedDeeperThanTheLimit_ConfigErrorInsteadOfStackOverflow(int depth, string open, string close)
    {
        string yaml = "global: " + string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth)) + "\n";
        if (open == "- ")
        {
            var sb = new StringBuilder("global:\n");
            for (int i = 0; i < depth; i++)
            {
                sb.Append(' ', i * 2 + 2).Append("-\n");
            }
            yaml = sb.ToString();
        }

        var ex = Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml, "deep.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("deep.yaml:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"nested more than {SafeYaml.MaxDepth} levels deep", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 0 && error.Column > 0, error.ToString());
    }

    [Fact]
    public void Parse_TensOfThousandsOfAliases_ConfigErrorInsteadOfStackOverflow()
    {
        // Found by the fuzz harness (bench/fuzz, target config): YamlDotNet compared these alias nodes recursively and
        // overflowed the stack, which killed vigil check config and a server reloading the file.
        string yaml = "<<: " + string.Concat(Enumerable.Repeat("*a<<: ", 30_000)) + "\n";

        var ex = Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml, "alias.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("alias.yaml:1:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"more than {SafeYaml.MaxAliases} aliases", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AnchorsAndAliasesInNormalUse_StillLoad()
    {
        const string yaml = "global:\n  scrape_interval: &every 7s\n  evaluation_interval: *every\n";

        var config = VigilConfig.Parse(yaml, "vigil.yaml");

        Assert.Equal(TimeSpan.FromSeconds(7), config.Global.EvaluationInterval);
    }

    [Fact]
    public async Task CheckConfig_UnclosedBracketInFlowMapping_Exit1WithPosition()
    {
        string path = Write("vigil.yaml", UnclosedFlow);

        var (code, _, err) = await RunAsync("check", "config", path);

        Assert.Equal(1, code);
        Assert.Contains($"{path}:3:3: invalid YAML:", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnclosedBracketInFlowMapping_Exit1WithPositionAndNothingStarted()
    {
        string path = Write("vigil.yaml", UnclosedFlow);

        var (code, _, err) = await RunAsync("serve", "--config", path);

        Assert.Equal(1, code);
        Assert.Contains($"{path}:3:3: invalid YAML:", err, StringComparison.Ordinal);
        Assert.Contains("nothing was started", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckRules_RuleFileWithUnclosedBracket_Exit1WithPosition()
    {
        string path = Write("rules.yml", "groups:\n  - name: a\n    rules: {x: [\n    interval: 1m\n");

        var (code, output, err) = await RunAsync("check", "rules", path);

        Assert.Equal(1, code);
        Assert.Contains($"{path}:4:5: YAML syntax error:", output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output + err, StringComparison.Ordinal);
    }

    [Fact]
    public void WebConfig_UnclosedBracketInFlowMapping_ConfigErrorWithPosition()
    {
        var ex = Assert.Throws<ConfigException>(() => Vigil.Server.Security.WebConfigParser.Parse(
            "http_server_config:\n  headers: {X-Frame-Options: [\n  http2: false\n", "web.yml", _dir));

        Assert.Equal("web.yml:3:3: invalid YAML: the YAML parser stopped here; look for an unclosed [ or { before this point", Assert.Single(ex.Errors).ToString());
    }

    [Fact]
    public void RuleFileParser_UnclosedBracket_ErrorWithPosition()
    {
        var result = RuleFileParser.Parse("groups:\n  - name: a\n    rules: {x: [\n    interval: 1m\n", "r.yml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(("r.yml", 4, 5), (error.File, error.Line, error.Column));
    }

    [Fact]
    public void FileSd_YamlWithUnclosedBracket_ConfigErrorWithPosition()
    {
        var ex = Assert.Throws<ConfigException>(() => FileSdParser.ParseYaml("- targets: ['a:1']\n  labels: {env: [\n  x: y\n", "sd.yml"));

        Assert.Equal(3, Assert.Single(ex.Errors).Line);
    }

    [Theory]
    [InlineData("""[{"targets": ["a:1"], "labels": {"env": "\ud800"}}]""", 1, 41)]
    [InlineData("""[{"targets": ["\udc00"]}]""", 1, 15)]
    public void FileSd_JsonWithLoneSurrogate_ConfigErrorWithPosition(string json, int line, int column)
    {
        var ex = Assert.Throws<ConfigException>(() => FileSdParser.ParseJson(Encoding.UTF8.GetBytes(json), "sd.json"));

        var error = Assert.Single(ex.Errors);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckRules_UnitTestFileWithUnclosedBracket_Exit1WithPosition()
    {
        string path = Write("tests.yml", "rule_files: [r.yml]\ntests:\n  x: {c: [\n  d: e\n");

        var (code, output, err) = await RunAsync("test", "rules", path);

        Assert.NotEqual(0, code);
        Assert.Contains($"{path}:4:3: YAML syntax error:", output + err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", output + err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_UnclosedBracketInFlowMapping_400WithPositionAndTheRunningConfigStays()
    {
        string path = Write("vigil.yaml", "global:\n  scrape_interval: 7s\n");
        var config = VigilConfig.Load(path);
        await using var server = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectHost = false,
            CollectSelf = false,
            ConfigYaml = ConfigRedactor.Redact(config.SourceText!),
            ConfigFile = config.SourcePath,
            ConfigBinder = c => new VigilServerOptions
            {
                Listen = new ListenAddress("127.0.0.1", 0),
                CollectHost = false,
                CollectSelf = false,
                ConfigYaml = ConfigRedactor.Redact(c.SourceText!),
            },
            WatchConfig = false,
        }, new MemoryStorage());
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        File.WriteAllText(path, UnclosedFlow);

        using var r = await http.PostAsync("/-/reload", null);

        string body = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal($"failed to reload config: {path}:3:3: invalid YAML: the YAML parser stopped here; look for an unclosed [ or {{ before this point\n", body);
        Assert.False(server.LastConfigReloadSuccessful);
        using var status = JsonDocument.Parse(await http.GetStringAsync("/api/v1/status/config"));
        Assert.Contains("scrape_interval: 7s", status.RootElement.GetProperty("data").GetProperty("yaml").GetString(), StringComparison.Ordinal);
    }
}
