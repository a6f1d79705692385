using Vigil.Core.Config;
using Vigil.Server.Config;
using Vigil.Collection.Relabel;

namespace Vigil.Server.Tests.Config;

public sealed class VigilConfigTests
{
    private static ConfigException Fails(string yaml, string? baseDirectory = null)
        => Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml, "vigil.yaml", baseDirectory));

    private static string OnlyError(string yaml)
    {
        var e = Fails(yaml);
        Assert.True(e.Errors.Count == 1, "expected one error, got:\n" + e.Message);
        return e.Errors[0].ToString();
    }

    [Fact]
    public void Parse_Empty_GivesPrometheusDefaults()
    {
        var c = VigilConfig.Parse(string.Empty);
        Assert.Equal(TimeSpan.FromMinutes(1), c.Global.ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Global.ScrapeTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), c.Global.EvaluationInterval);
        Assert.Empty(c.ScrapeConfigs);
        Assert.True(c.Collectors.Host);
        Assert.True(c.Collectors.Self);
    }

    [Fact]
    public void Parse_MisspelledKeyInJob_NamesFileLineColumnAndPlace()
    {
        const string yaml = """
            global:
              scrape_interval: 15s
            scrape_configs:
              - job_name: node
                scrape_intervall: 5s
                static_configs:
                  - targets: [localhost:9100]
            """;
        Assert.Equal("vigil.yaml:5:5: unknown key \"scrape_intervall\" in scrape_configs[0]", OnlyError(yaml));
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_NamesIt()
        => Assert.Equal("vigil.yaml:2:1: unknown key \"scrape_config\"", OnlyError("global: {}\nscrape_config: []\n"));

    [Fact]
    public void Parse_BadDuration_PointsAtValue()
    {
        const string yaml = "global:\n  scrape_interval: 5x\n";
        Assert.Equal("vigil.yaml:2:20: invalid \"scrape_interval\" in global: not a valid duration string: \"5x\" (use e.g. 5s, 1m30s, 2h, 1d)", OnlyError(yaml));
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllInFileOrder()
    {
        const string yaml = """
            scrape_configs:
              - job_name: a
                honor_labels: maybe
                sample_limit: -1
              - job_name: a
            """;
        var errors = Fails(yaml).Errors.Select(e => e.ToString()).ToList();
        Assert.Equal(
        [
            "vigil.yaml:3:19: invalid \"honor_labels\" in scrape_configs[0]: expected true or false, got \"maybe\"",
            "vigil.yaml:4:19: invalid \"sample_limit\" in scrape_configs[0]: expected a non-negative integer, got \"-1\"",
        ], errors);
    }

    [Fact]
    public void Parse_DuplicateJobName_IsAnError()
    {
        const string yaml = "scrape_configs:\n  - job_name: a\n  - job_name: a\n";
        Assert.Equal("vigil.yaml:3:5: found multiple scrape configs with job name \"a\" in scrape_configs[1]", OnlyError(yaml));
    }

    [Fact]
    public void Parse_TimeoutAboveInterval_IsAnError()
    {
        const string yaml = "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n";
        Assert.Equal("vigil.yaml:4:21: scrape timeout greater than scrape interval for scrape config with job name \"a\" (10s > 5s)", OnlyError(yaml));
    }

    [Fact]
    public void Parse_JobWithoutTimeout_UsesIntervalWhenShorterThanGlobalTimeout()
    {
        var c = VigilConfig.Parse("scrape_configs:\n  - job_name: fast\n    scrape_interval: 5s\n  - job_name: slow\n");
        Assert.Equal(TimeSpan.FromSeconds(5), c.ScrapeConfigs[0].ScrapeTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), c.ScrapeConfigs[1].ScrapeInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), c.ScrapeConfigs[1].ScrapeTimeout);
    }

    [Fact]
    public void Parse_GlobalAfterScrapeConfigs_StillAppliesDefaults()
    {
        var c = VigilConfig.Parse("scrape_configs:\n  - job_name: a\nglobal:\n  scrape_interval: 30s\n");
        Assert.Equal(TimeSpan.FromSeconds(30), c.ScrapeConfigs[0].ScrapeInterval);
    }

    [Fact]
    public void Parse_FullJob_ReadsEverySetting()
    {
        string dir = Directory.CreateTempSubdirectory("vigil-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "ca.pem"), "x");
            File.WriteAllText(Path.Combine(dir, "password"), "secret\n");
            const string yaml = """
                global:
                  scrape_interval: 15s
                  external_labels: { region: eu }
                scrape_configs:
                  - job_name: api
                    scrape_interval: 10s
                    scrape_timeout: 3s
                    metrics_path: /prom
                    scheme: https
                    params: { module: [http_2xx] }
                    honor_labels: true
                    honor_timestamps: false
                    basic_auth: { username: u, password_file: password }
                    tls_config: { ca_file: ca.pem, server_name: api.internal, insecure_skip_verify: false }
                    static_configs:
                      - targets: ['a:1', 'b:2']
                        labels: { env: prod }
                    file_sd_configs:
                      - files: ['targets/*.json']
                        refresh_interval: 1m
                    relabel_configs:
                      - source_labels: [__address__]
                        regex: '(.*):\d+'
                        target_label: host
                    metric_relabel_configs:
                      - action: LabelDrop
                        regex: tmp_.*
                    sample_limit: 1000
                    label_limit: 30
                    body_size_limit: 10MB
                """;
            var job = Assert.Single(VigilConfig.Parse(yaml, "vigil.yaml", dir).ScrapeConfigs);
            Assert.Equal("api", job.JobName);
            Assert.Equal(TimeSpan.FromSeconds(10), job.ScrapeInterval);
            Assert.Equal(TimeSpan.FromSeconds(3), job.ScrapeTimeout);
            Assert.Equal("/prom", job.MetricsPath);
            Assert.Equal("https", job.Scheme);
            Assert.Equal(["http_2xx"], job.Params["module"]);
            Assert.True(job.HonorLabels);
            Assert.False(job.HonorTimestamps);
            Assert.Equal("u", job.BasicAuth!.Username);
            Assert.Equal(Path.Combine(dir, "password"), job.BasicAuth.PasswordFile);
            Assert.Equal(Path.Combine(dir, "ca.pem"), job.Tls.CaFile);
            Assert.Equal("api.internal", job.Tls.ServerName);
            var group = Assert.Single(job.StaticConfigs);
            Assert.Equal(["a:1", "b:2"], group.Targets.Select(t => t.Get("__address__")));
            Assert.Equal("prod", group.Labels.Get("env"));
            Assert.Equal(Path.Combine(dir, "targets", "*.json"), Assert.Single(Assert.Single(job.FileSdConfigs).Files));
            Assert.Equal(TimeSpan.FromMinutes(1), job.FileSdConfigs[0].RefreshInterval);
            Assert.Equal("host", Assert.Single(job.RelabelConfigs).TargetLabel);
            Assert.Equal(RelabelAction.LabelDrop, Assert.Single(job.MetricRelabelConfigs).Action);
            Assert.Equal(1000, job.SampleLimit);
            Assert.Equal(30, job.LabelLimit);
            Assert.Equal(10L << 20, job.BodySizeLimit);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Parse_UnsupportedPrometheusKey_SaysSo()
        => Assert.Equal("vigil.yaml:3:5: key \"kubernetes_sd_configs\" in scrape_configs[0] is a Prometheus setting that Vigil does not support",
            OnlyError("scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs: []\n"));

    [Fact]
    public void Parse_TargetWithScheme_IsAnError()
        => Assert.Equal("vigil.yaml:4:19: \"http://a:1\" is not a valid hostname (a target is host:port; set scheme and metrics_path separately) in scrape_configs[0].static_configs[0].targets[0]",
            OnlyError("scrape_configs:\n  - job_name: k\n    static_configs:\n      - targets: ['http://a:1']\n"));

    [Fact]
    public void Parse_MissingCaFile_NamesTheResolvedPath()
    {
        string dir = Path.GetTempPath();
        string error = OnlyErrorIn("scrape_configs:\n  - job_name: k\n    tls_config: { ca_file: nope.pem }\n", dir);
        Assert.Equal($"vigil.yaml:3:28: invalid \"ca_file\" in scrape_configs[0].tls_config: file \"{Path.Combine(dir, "nope.pem")}\" does not exist", error);
    }

    private static string OnlyErrorIn(string yaml, string dir)
    {
        var e = Fails(yaml, dir);
        Assert.Single(e.Errors);
        return e.Errors[0].ToString();
    }

    [Fact]
    public void Parse_InvalidYaml_ReportsPosition()
    {
        var e = Fails("global:\n  scrape_interval: [1m\n");
        var error = Assert.Single(e.Errors);
        Assert.Equal("vigil.yaml", error.File);
        Assert.True(error.Line >= 2, error.ToString());
        Assert.StartsWith("invalid YAML: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKey_ReportsPosition()
    {
        var error = Assert.Single(Fails("global:\n  scrape_interval: 1m\n  scrape_interval: 2m\n").Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("Duplicate key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongShape_SaysWhatWasExpected()
        => Assert.Equal("vigil.yaml:1:17: expected a list for scrape_configs, got a mapping",
            OnlyError("scrape_configs: { job_name: a }\n"));

    [Fact]
    public void Parse_MergeKeys_AreResolved()
    {
        const string yaml = """
            x-defaults: &defaults
              scrape_interval: 7s
              metrics_path: /m
            """;
        // An unknown top-level key is still an error, so anchors live inside known sections.
        Assert.Contains("unknown key \"x-defaults\"", Fails(yaml).Message, StringComparison.Ordinal);
        var c = VigilConfig.Parse("""
            scrape_configs:
              - &base
                job_name: a
                scrape_interval: 7s
                metrics_path: /m
              - <<: *base
                job_name: b
            """);
        Assert.Equal("b", c.ScrapeConfigs[1].JobName);
        Assert.Equal(TimeSpan.FromSeconds(7), c.ScrapeConfigs[1].ScrapeInterval);
        Assert.Equal("/m", c.ScrapeConfigs[1].MetricsPath);
    }

    [Fact]
    public void Parse_OpaqueSectionsAndSeedBlocks_Load()
    {
        // The seed's configuration example (seed 002, section 4.3) plus Vigil's later sections, verbatim.
        const string yaml = """
            performance_collection:
              collection_interval: 30  # 30秒
              retention_period: 86400  # 24小时
              alert_thresholds:
                cpu_usage:
                  warning_threshold: 70.0
                  critical_threshold: 85.0
                  operator: "GreaterThan"
            performance_analysis:
              analysis_interval: 300  # 5分钟
              retention_period: 604800  # 7天
              confidence_threshold: 0.8
            optimization:
              max_concurrent_optimizations: 3
              optimization_timeout: 300  # 5分钟
              impact_threshold: 0.1
            aggregation_rules:
              - metric_pattern: "response_time"
                aggregation_type: "Average"
                time_window: 300
                output_metric: "avg_response_time"
            rule_files: ['rules/*.yml']
            alerting:
              alertmanagers: [{ static_configs: [{ targets: ['localhost:9093'] }] }]
            analysis: { enabled: true, evaluation_interval: 30s }
            """;
        var c = VigilConfig.Parse(yaml, "vigil.yaml", "/etc/vigil");
        Assert.Equal(["/etc/vigil/rules/*.yml"], c.RuleFiles);
        Assert.NotNull(c.PerformanceCollection);
        Assert.NotNull(c.AggregationRules);
        Assert.NotNull(c.Alerting);
        Assert.Equal(TimeSpan.FromSeconds(30), c.Analysis!.EvaluationInterval);
        Assert.NotNull(c.Optimization);
    }

    [Fact]
    public void Parse_StorageAndCollectors_AreRead()
    {
        var c = VigilConfig.Parse("""
            storage:
              data_dir: data
              retention_time: 30d
              retention_size: 1GB
              wal_sync: commit
              max_future_timestamp: 1h
            collectors:
              interval: 10s
              host: { enabled: false }
            """, "vigil.yaml", "/srv/vigil");
        Assert.Equal("/srv/vigil/data", c.Storage.DataDir);
        Assert.Equal(TimeSpan.FromDays(30), c.Storage.RetentionTime);
        Assert.Equal(1L << 30, c.Storage.RetentionSize);
        Assert.True(c.Storage.WalSyncEveryCommit);
        Assert.Equal(TimeSpan.FromHours(1), c.Storage.MaxFutureTimestamp);
        Assert.Equal(TimeSpan.FromSeconds(10), c.Collectors.Interval);
        Assert.False(c.Collectors.Host);
        Assert.True(c.Collectors.Self);
    }

    [Fact]
    public void Parse_BadWalSync_ListsChoices()
        => Assert.Equal("vigil.yaml:2:13: invalid \"wal_sync\" in storage: expected interval or commit, got \"always\"",
            OnlyError("storage:\n  wal_sync: always\n"));

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        var e = Assert.Throws<ConfigException>(() => VigilConfig.Load("/nonexistent/vigil.yaml"));
        Assert.StartsWith("/nonexistent/vigil.yaml: cannot read the configuration file", e.Errors[0].ToString(), StringComparison.Ordinal);
    }
}
