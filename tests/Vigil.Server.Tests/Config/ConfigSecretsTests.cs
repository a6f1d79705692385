using System.Collections;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vigil.Collection.Scrape;
using Vigil.Core.Config;
using Vigil.Optimizer.Options;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Config;

/// <summary>
/// Secrets in <c>/api/v1/status/config</c>: every secret-bearing field of the configuration model is marked, and every
/// marked field is hidden wherever its key appears, so a new secret field cannot be shown in clear by accident.
/// </summary>
public sealed partial class ConfigSecretsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-secrets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex("password|token|secret|key|credential|connection|header|env|param|auth|cookie|cert", RegexOptions.IgnoreCase)]
    private static partial Regex SecretLikeName();

    private static IReadOnlyList<Type> ModelTypes() => ConfigModel.Types;

    private static IEnumerable<Type> Flatten(Type t) => ConfigModel.Flatten(t);

    /// <summary>True for types that can hold text: strings, and lists or maps of them.</summary>
    private static bool HoldsText(Type t)
        => t == typeof(string) || t == typeof(Uri) || (typeof(IEnumerable).IsAssignableFrom(t) && Flatten(t).Skip(1).Any(HoldsText));

    [Fact]
    public void ModelWalk_FindsTheSectionsThatHoldSecrets()
    {
        var types = ModelTypes();

        // The walk must reach the types it guards, or the next test would pass by seeing nothing.
        Assert.Contains(typeof(BasicAuthConfig), types);
        Assert.Contains(typeof(OptimizationExecutorConfig), types);
        Assert.Contains(typeof(WebhookRequestConfig), types);
        Assert.Contains(typeof(Vigil.Collection.Collectors.Postgres.PostgresCollectorOptions), types);
        Assert.Contains(typeof(Vigil.Rules.Notifier.WebhookRoute), types);
    }

    [Fact]
    public void EveryPropertyNamedLikeASecret_IsMarkedSecretOrNotSecret()
    {
        var unmarked = new List<string>();
        foreach (var type in ModelTypes())
        {
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (SecretLikeName().IsMatch(p.Name) && HoldsText(p.PropertyType)
                    && p.GetCustomAttribute<SecretAttribute>() is null && p.GetCustomAttribute<NotSecretAttribute>() is null)
                {
                    unmarked.Add(type.Name + "." + p.Name);
                }
            }
        }

        Assert.True(unmarked.Count == 0, "mark these [Secret(\"yaml_key\")] (hidden in /api/v1/status/config) or [NotSecret(\"why\")]: " + string.Join(", ", unmarked));
    }

    [Fact]
    public void EverySecretKey_IsHiddenWhereverItAppears()
    {
        var keys = ModelTypes().SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Select(p => p.GetCustomAttribute<SecretAttribute>()?.YamlKey).OfType<string>().Distinct().ToList();
        Assert.Superset(new HashSet<string> { "password", "credentials", "connection_string", "env", "headers", "params" }, keys.ToHashSet());

        foreach (string key in keys)
        {
            string yaml = $"a:\n  {key}: scalar-leak\nb:\n  - {key}: {{x: map-leak, y: [list-leak]}}\n  - c: {{{key}: [seq-leak]}}\n";

            string redacted = ConfigRedactor.Redact(yaml);

            Assert.DoesNotContain("leak", redacted, StringComparison.Ordinal);
            Assert.Contains(ConfigRedactor.Secret, redacted, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("https://ops.example/scale?token=abc123&service=x", "https://ops.example/scale?token=<secret>&service=x")]
    [InlineData("https://ops.example/scale?api_key=abc123#top", "https://ops.example/scale?api_key=<secret>#top")]
    [InlineData("https://bob:abc123@ops.example/x", "https://bob:<secret>@ops.example/x")]
    [InlineData("postgresql://vigil:abc123@db:5432/postgres?sslmode=require&password=abc123", "postgresql://vigil:<secret>@db:5432/postgres?sslmode=require&password=<secret>")]
    [InlineData("http://host:9100/metrics?sig=abc123&Signature=abc123", "http://host:9100/metrics?sig=<secret>&Signature=<secret>")]
    public void Url_CredentialsInUserInfoOrQuery_Hidden(string url, string expected)
    {
        Assert.Equal(expected, ConfigRedactor.Url(url));
    }

    [Theory]
    [InlineData("https://ops.example/scale?service=x&replicas=3")]
    [InlineData("http://127.0.0.1:9100/metrics")]
    [InlineData("not a url")]
    public void Url_NoCredentials_Unchanged(string url)
    {
        Assert.Null(ConfigRedactor.Url(url));
    }

    [Fact]
    public void Redact_AliasesNestedManyTimes_VisitsEachNodeOnce()
    {
        // 12 levels of 10 aliases each would be 10^12 visits if aliases were followed as copies.
        var sb = new System.Text.StringBuilder("l0: &l0 [password]\n");
        for (int i = 1; i <= 12; i++)
        {
            sb.Append($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();

        string redacted = ConfigRedactor.Redact(sb.ToString());

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains("l12:", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusConfig_EverySecretOfTheIssue_ShownAsSecret()
    {
        File.WriteAllText(Path.Combine(_dir, "api.token"), "file-token-value\n");
        const string yaml = """
            scrape_configs:
              - job_name: guarded
                params: { api_key: [leak-param-1], module: [leak-param-2] }
                basic_auth: { username: scraper, password: leak-password }
                static_configs: [{ targets: ['127.0.0.1:9'] }]
              - job_name: bearer
                authorization: { credentials: leak-credentials }
                static_configs: [{ targets: ['127.0.0.1:9'] }]
            alerting:
              webhooks:
                - name: chat
                  url: https://hooks.example/notify?token=leak-url-token
            collectors:
              postgres:
                - connection_string: "Host=db;Username=vigil;Password=leak-pg"
            optimization:
              mode: approve
              api_token_file: api.token
              executors:
                - name: scale
                  type: webhook
                  request:
                    url: https://ops:leak-userinfo@ops.example/scale?access_token=leak-query
                    headers: { Authorization: Bearer leak-bearer }
                  rollback: { url: https://ops.example/size }
                - name: tune
                  type: command
                  command: [/usr/local/bin/tune, --apply]
                  rollback_command: [/usr/local/bin/tune, --undo]
                  env: { DB_PASSWORD: leak-env }
            """;
        string path = Path.Combine(_dir, "vigil.yaml");
        File.WriteAllText(path, yaml);
        var config = VigilConfig.Load(path);
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions
        {
            Listen = TestVigil.Loopback,
            CollectHost = false,
            CollectSelf = false,
            ConfigYaml = ConfigRedactor.Redact(config.SourceText!),
        }, new MemoryStorage());
        var http = vigil.Http;

        using var r = await http.GetAsync("api/v1/status/config");

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        string shown = doc.RootElement.GetProperty("data").GetProperty("yaml").GetString()!;
        Assert.DoesNotContain("leak", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("file-token-value", shown, StringComparison.Ordinal);
        Assert.Contains("Authorization: <secret>", shown, StringComparison.Ordinal);
        Assert.Contains("DB_PASSWORD: <secret>", shown, StringComparison.Ordinal);
        Assert.Contains("url: https://ops:<secret>@ops.example/scale?access_token=<secret>", shown, StringComparison.Ordinal);
        Assert.Contains("url: https://hooks.example/notify?token=<secret>", shown, StringComparison.Ordinal);
        // What is not secret stays readable.
        Assert.Contains("username: scraper", shown, StringComparison.Ordinal);
        Assert.Contains("api_token_file: api.token", shown, StringComparison.Ordinal);
        Assert.Contains("command: [/usr/local/bin/tune, --apply]", shown, StringComparison.Ordinal);
    }
}
