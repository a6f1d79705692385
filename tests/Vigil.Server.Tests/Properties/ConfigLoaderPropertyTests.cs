using System.Text;
using CsCheck;
using Vigil.Core.Config;
using Vigil.Rules;
using Vigil.Rules.Yaml;
using Vigil.Server.Config;

namespace Vigil.Server.Tests.Properties;

/// <summary>
/// Property tests of the YAML readers: any text, above all near-misses of real files, either loads or fails with
/// <see cref="ConfigException"/> whose every error has a line and a column; nothing else escapes.
/// </summary>
public sealed class ConfigLoaderPropertyTests
{
    /// <summary>Valid files touching every section, to mutate.</summary>
    private static readonly string[] Seeds =
    [
        """
        global:
          scrape_interval: 15s
          evaluation_interval: 30s
          external_labels: { dc: eu-1, team: "ops" }
        storage: { retention: 15d }
        collectors:
          interval: 5s
          host: { enabled: true }
          probe: [{ tcp: "127.0.0.1:9", interval: 1s, timeout: 500ms }]
        scrape_configs:
          - job_name: node
            scrape_interval: 5s
            basic_auth: { username: u, password: p }
            params: { module: [a, b] }
            static_configs:
              - targets: ['localhost:9100', 'localhost:9101']
                labels: { env: prod }
            relabel_configs:
              - source_labels: [__address__]
                regex: '(.*):9100'
                target_label: host
                replacement: '$1'
        """,
        """
        alerting:
          alertmanagers:
            - static_configs: [{ targets: ['127.0.0.1:9093'] }]
          webhooks:
            - name: chat
              url: https://hooks.example/notify
              group_by: [alertname, service]
              group_wait: 10s
        performance_collection:
          alert_thresholds:
            - metric_name: cpu_usage
              warning_threshold: 70
              critical_threshold: 90
        aggregation_rules:
          - name: avg_cpu
            metric: cpu_usage
            function: avg
            window: 5m
        """,
        """
        defaults: &defaults { method: POST, content_type: application/json }
        optimization:
          mode: approve
          interval: 15s
          allowed_commands: [/usr/local/bin/*]
          allowed_webhook_hosts: [ops.example]
          evaluation: { baseline: 5m, settle: 1m, observation: 5m, step: 15s }
          executors:
            - name: scale
              type: webhook
              request: { <<: *defaults, url: 'https://ops.example/scale/{{ .Target }}', body: '{"n": "{{ .Parameters.n }}"}' }
              rollback: { url: 'https://ops.example/size' }
            - name: tune
              type: command
              command: [/usr/local/bin/tune, --to, '{{ .Parameters.size }}']
              rollback_command: [/usr/local/bin/tune, --to, '{{ .Previous }}']
              env: { MODE: '{{ .Severity }}' }
          policies:
            - name: grow
              match: { alert: HighLatency, severity: [critical], matchers: ['service="checkout"'] }
              action: { type: ScaleUp, executor: tune, target: 'svc/{{ .Labels.service }}', parameters: { size: "8" } }
              evaluation:
                target: { name: p99, query: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))', better: lower }
        """,
    ];

    /// <summary>What a slip of the keyboard, a bad merge or an attacker might put into a file.</summary>
    private static readonly string[] Tokens =
    [
        "[", "]", "{", "}", ":", ": ", "- ", "-", "\n", "  ", "    ", "\t", ",", "&a ", "*a", "<<: ", "!!str ", "!!map ", "!custom ", "'", "\"",
        "# ", "? ", "|", ">-", "%YAML 1.2\n", "---\n", "...\n", "\u0000", "\uFFFE", "\\", "x", "1", "1e999", "-1", "~", "null", "true",
        "{{ .Target ", "}}", "(((", ")))", "\u00e9", "\r",
    ];

    private static readonly Gen<string> Mutated =
        Gen.Select(Gen.Int[0, Seeds.Length - 1], Gen.Select(Gen.Int[0, 4], Gen.Double.Unit, Gen.Int[0, Tokens.Length - 1], Gen.Int[1, 40]).Array[1, 5], (seed, edits) =>
        {
            var text = new StringBuilder(Seeds[seed]);
            foreach (var (kind, where, token, length) in edits)
            {
                int at = (int)(where * text.Length);
                switch (kind)
                {
                    case 0 or 1:
                        text.Insert(at, Tokens[token]);
                        break;
                    case 2:
                        text.Remove(at, Math.Min(length, text.Length - at));
                        break;
                    case 3:
                        text.Length = at;
                        break;
                    default:
                        // Duplicate a stretch (repeated keys, doubled list items, odd indentation).
                        string piece = text.ToString(at, Math.Min(length, text.Length - at));
                        text.Insert(at, piece);
                        break;
                }
            }
            return text.ToString();
        });

    private static readonly Gen<string> Soup = Gen.Int[0, Tokens.Length - 1].Array[0, 80].Select(ix => string.Concat(ix.Select(i => Tokens[i])));

    private static readonly Gen<string> AnyText = Gen.OneOf(Mutated, Mutated, Soup, Gen.String);

    private static void AssertPositioned(ConfigException e)
    {
        Assert.NotEmpty(e.Errors);
        foreach (var error in e.Errors)
        {
            Assert.True(error.Line >= 1 && error.Column >= 1, "an error without a position: " + error);
        }
    }

    [Fact]
    public void VigilConfigParse_AnyText_LoadsOrConfigErrorsWithPositions()
    {
        string dir = Path.GetTempPath();
        AnyText.Sample(yaml =>
        {
            try
            {
                VigilConfig.Parse(yaml, "vigil.yaml", dir);
            }
            catch (ConfigException e)
            {
                AssertPositioned(e);
            }
        }, iter: 1500, print: y => y);
    }

    [Fact]
    public void ConfigRedactor_AnyLoadableText_KeepsItLoadable()
    {
        string dir = Path.GetTempPath();
        AnyText.Sample(yaml =>
        {
            try
            {
                VigilConfig.Parse(yaml, "vigil.yaml", dir);
            }
            catch (ConfigException)
            {
                return;
            }
            // What /api/v1/status/config shows is YAML again.
            Assert.True(SafeYaml.TryLoad(ConfigRedactor.Redact(yaml), out _, out var error), error.Message);
        }, iter: 500, print: y => y);
    }

    [Fact]
    public void RuleAndFileSdParsers_AnyText_ErrorsWithPositionsOnly()
    {
        Gen.OneOf(Soup, Gen.String, Mutated).Sample(text =>
        {
            var rules = RuleFileParser.Parse(text, "r.yml");
            Assert.All(rules.Errors, e => Assert.True(e.Line >= 0, e.ToString()));
            try
            {
                FileSdParser.ParseYaml(text, "sd.yml");
            }
            catch (ConfigException e)
            {
                AssertPositioned(e);
            }
            try
            {
                FileSdParser.ParseJson(Encoding.UTF8.GetBytes(text), "sd.json");
            }
            catch (ConfigException e)
            {
                AssertPositioned(e);
            }
        }, iter: 1000, print: t => t);
    }
}
