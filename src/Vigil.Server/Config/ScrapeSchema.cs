using System.Globalization;
using System.Text;
using Vigil.Collection.Discovery;
using Vigil.Collection.Relabel;
using Vigil.Collection.Scrape;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The keys of one entry of <c>scrape_configs</c> (with its <c>static_configs</c> and <c>file_sd_configs</c>), declared
/// onto <see cref="ScrapeConfig"/> with Prometheus's defaults and checks.
/// </summary>
/// <remarks>A Prometheus key that Vigil does not implement is an error. Stateless.</remarks>
internal static class ScrapeSchema
{
    /// <summary>A job as read: the values given, before the global defaults and the cross-key checks.</summary>
    private sealed record Job
    {
        public string? JobName { get; init; }

        public TimeSpan? Interval { get; init; }

        public TimeSpan? Timeout { get; init; }

        public ConfigEntry? TimeoutEntry { get; init; }

        public string MetricsPath { get; init; } = "/metrics";

        public string Scheme { get; init; } = "http";

        public Dictionary<string, IReadOnlyList<string>> Params { get; init; } = new(StringComparer.Ordinal);

        public bool HonorLabels { get; init; }

        public bool HonorTimestamps { get; init; } = true;

        public bool TrackTimestampsStaleness { get; init; }

        public bool EnableCompression { get; init; } = true;

        public bool FollowRedirects { get; init; } = true;

        public BasicAuthConfig? BasicAuth { get; init; }

        public AuthorizationConfig? Authorization { get; init; }

        public string? BearerToken { get; init; }

        public string? BearerTokenFile { get; init; }

        public TlsConfig Tls { get; init; } = TlsConfig.None;

        public List<TargetGroup> StaticConfigs { get; init; } = [];

        public List<FileSdConfig> FileSdConfigs { get; init; } = [];

        public List<RelabelConfig> RelabelConfigs { get; init; } = [];

        public List<RelabelConfig> MetricRelabelConfigs { get; init; } = [];

        public long SampleLimit { get; init; }

        public long LabelLimit { get; init; }

        public long LabelNameLengthLimit { get; init; }

        public long LabelValueLengthLimit { get; init; }

        public long BodySizeLimit { get; init; }
    }

    private sealed record StaticGroup(List<LabelSet> Targets, LabelSet Labels);

    private sealed record FileSd(List<string> Files, TimeSpan RefreshInterval);

    /// <summary>A non-negative limit; 0 (no limit) when the value is not valid.</summary>
    private static readonly ConfigValue<long> Limit = (ConfigReader r, ConfigEntry e, out long value) =>
    {
        value = r.NonNegativeInteger(e) ?? 0;
        return true;
    };

    private static readonly ConfigSchema<StaticGroup> StaticKeys = new ConfigSchema<StaticGroup>()
        .Custom("targets", (r, e, o) =>
        {
            var targets = new List<LabelSet>(o.Targets);
            foreach (var (item, itemWhere) in r.Sequence(e))
            {
                if (r.ScalarItem(item, itemWhere, "a target address (host:port)") is not { } address)
                {
                    continue;
                }
                if (ScrapeConfig.CheckTargetAddress(address) is { } problem)
                {
                    r.Error(item, $"{problem} in {itemWhere}");
                    continue;
                }
                targets.Add(LabelSet.Of(TargetLabelNames.Address, address));
            }
            return o with { Targets = targets };
        })
        .Key("labels", LabelMap(allowReserved: true), (o, v) => o with { Labels = v });

    private static readonly ConfigSchema<FileSd> FileSdKeys = new ConfigSchema<FileSd>()
        .Custom("files", (r, e, o) =>
        {
            var files = new List<string>(o.Files);
            foreach (var (fileNode, fileWhere) in r.Sequence(e))
            {
                if (r.ScalarItem(fileNode, fileWhere, "a file name or pattern") is not { } f)
                {
                    continue;
                }
                if (!FileSdConfig.IsValidPath(f))
                {
                    r.Error(fileNode, $"path name \"{f}\" is not valid for file discovery in {fileWhere} (expected a .json, .yml or .yaml file; '*' only in the last path element)");
                    continue;
                }
                files.Add(r.ResolvePath(f));
            }
            return o with { Files = files };
        })
        .Key("refresh_interval", PositiveDuration, (o, v) => o with { RefreshInterval = v });

    private static readonly ConfigSchema<Job> Keys = new ConfigSchema<Job>()
        .Custom("job_name", (r, e, o) => o with { JobName = r.String(e) })
        .Custom("scrape_interval", (r, e, o) => o with { Interval = r.PositiveDuration(e) })
        .Custom("scrape_timeout", (r, e, o) => o with { Timeout = r.PositiveDuration(e), TimeoutEntry = e })
        .Key("metrics_path", Text, (o, v) => o with { MetricsPath = v })
        .Custom("scheme", (r, e, o) =>
        {
            string? s = r.String(e);
            if (s is "http" or "https")
            {
                return o with { Scheme = s };
            }
            if (s is not null)
            {
                r.Invalid(e, $"must be http or https, got \"{s}\"");
            }
            return null;
        })
        .Custom("params", (r, e, o) =>
        {
            var parameters = new Dictionary<string, IReadOnlyList<string>>(o.Params, StringComparer.Ordinal);
            foreach (var p in r.Mapping(e.Value, e.Path))
            {
                parameters[p.Key] = r.StringList(p);
            }
            return o with { Params = parameters };
        })
        .Key("honor_labels", Bool, (o, v) => o with { HonorLabels = v })
        .Key("honor_timestamps", Bool, (o, v) => o with { HonorTimestamps = v })
        .Key("track_timestamps_staleness", Bool, (o, v) => o with { TrackTimestampsStaleness = v })
        .Key("enable_compression", Bool, (o, v) => o with { EnableCompression = v })
        .Key("follow_redirects", Bool, (o, v) => o with { FollowRedirects = v })
        .Custom("basic_auth", (r, e, o) => o with { BasicAuth = HttpClientSchema.ParseBasicAuth(r, e) })
        .Custom("authorization", (r, e, o) => o with { Authorization = HttpClientSchema.ParseAuthorization(r, e) })
        .Key("bearer_token", HttpClientSchema.OptionalText, (o, v) => o with { BearerToken = v })
        .Key("bearer_token_file", HttpClientSchema.ExistingFile, (o, v) => o with { BearerTokenFile = v })
        .Custom("tls_config", (r, e, o) => o with { Tls = HttpClientSchema.ParseTls(r, e) })
        .Custom("static_configs", (r, e, o) =>
        {
            var groups = new List<TargetGroup>(o.StaticConfigs);
            foreach (var (item, itemWhere) in r.Sequence(e))
            {
                var g = StaticKeys.Bind(r, item, itemWhere, new StaticGroup([], LabelSet.Empty))!;
                groups.Add(new TargetGroup(groups.Count.ToString(CultureInfo.InvariantCulture), g.Targets, g.Labels));
            }
            return o with { StaticConfigs = groups };
        })
        .Custom("file_sd_configs", (r, e, o) =>
        {
            var configs = new List<FileSdConfig>(o.FileSdConfigs);
            foreach (var (item, itemWhere) in r.Sequence(e))
            {
                var f = FileSdKeys.Bind(r, item, itemWhere, new FileSd([], FileSdConfig.DefaultRefreshInterval))!;
                configs.Add(new FileSdConfig { Files = f.Files, RefreshInterval = f.RefreshInterval });
            }
            return o with { FileSdConfigs = configs };
        })
        .Key("relabel_configs", RelabelSchema.Steps, (o, v) => o with { RelabelConfigs = v })
        .Key("metric_relabel_configs", RelabelSchema.Steps, (o, v) => o with { MetricRelabelConfigs = v })
        .Key("sample_limit", Limit, (o, v) => o with { SampleLimit = v })
        .Key("label_limit", Limit, (o, v) => o with { LabelLimit = v })
        .Key("label_name_length_limit", Limit, (o, v) => o with { LabelNameLengthLimit = v })
        .Key("label_value_length_limit", Limit, (o, v) => o with { LabelValueLengthLimit = v })
        .Custom("body_size_limit", (r, e, o) => o with { BodySizeLimit = r.Bytes(e) ?? 0 })
        .Unsupported("oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "enable_http2", "http_headers",
            "scrape_protocols", "fallback_scrape_protocol", "scrape_classic_histograms", "always_scrape_classic_histograms",
            "convert_classic_histograms_to_nhcb", "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
            "target_limit", "keep_dropped_targets", "metric_name_validation_scheme", "metric_name_escaping_scheme",
            "scrape_failure_log_file", "scrape_native_histograms")
        .Unsupported(key => key.EndsWith("_sd_configs", StringComparison.Ordinal))
        .Finish(CheckAuth);

    /// <summary>Maps one job; null (with the errors recorded) when it is invalid.</summary>
    public static ScrapeConfig? Parse(ConfigReader r, YamlNode node, string where, GlobalConfig global)
    {
        int errorsBefore = r.Errors.Count;
        var job = Keys.Bind(r, node, where, new Job())!;
        if (string.IsNullOrEmpty(job.JobName))
        {
            r.Error(node, $"job_name is empty in {where}");
        }
        var interval = job.Interval ?? global.ScrapeInterval;
        TimeSpan timeout;
        if (job.Timeout is { } t)
        {
            timeout = t;
            if (t > interval && job.TimeoutEntry is { } te)
            {
                r.Error(te.Value, $"scrape timeout greater than scrape interval for scrape config with job name \"{job.JobName}\" ({PrometheusDuration.Format(t)} > {PrometheusDuration.Format(interval)})");
            }
        }
        else
        {
            timeout = global.ScrapeTimeout > interval ? interval : global.ScrapeTimeout;
        }
        if (r.Errors.Count != errorsBefore)
        {
            return null;
        }
        return new ScrapeConfig
        {
            JobName = job.JobName!,
            ScrapeInterval = interval,
            ScrapeTimeout = timeout,
            MetricsPath = job.MetricsPath,
            Scheme = job.Scheme,
            Params = job.Params,
            HonorLabels = job.HonorLabels,
            HonorTimestamps = job.HonorTimestamps,
            TrackTimestampsStaleness = job.TrackTimestampsStaleness,
            EnableCompression = job.EnableCompression,
            FollowRedirects = job.FollowRedirects,
            BasicAuth = job.BasicAuth,
            Authorization = job.Authorization,
            Tls = job.Tls,
            StaticConfigs = job.StaticConfigs,
            FileSdConfigs = job.FileSdConfigs,
            RelabelConfigs = job.RelabelConfigs,
            MetricRelabelConfigs = job.MetricRelabelConfigs,
            SampleLimit = job.SampleLimit,
            LabelLimit = job.LabelLimit,
            LabelNameLengthLimit = job.LabelNameLengthLimit,
            LabelValueLengthLimit = job.LabelValueLengthLimit,
            BodySizeLimit = job.BodySizeLimit,
            Fingerprint = string.Create(CultureInfo.InvariantCulture, $"{Canonical(node)}|{interval.Ticks}|{timeout.Ticks}"),
        };
    }

    /// <summary>At most one way to authenticate: basic_auth, authorization or a bearer token (which becomes an authorization).</summary>
    private static Job CheckAuth(ConfigBinding<Job> b)
    {
        var job = b.Value;
        ConfigEntry? bearer = null;
        foreach (var e in b.Entries)
        {
            if (e.Key == "bearer_token_file" && bearer is not null)
            {
                b.Reader.Error(e.KeyNode, $"at most one of bearer_token & bearer_token_file must be configured in {b.Where}");
            }
            if (e.Key is "bearer_token" or "bearer_token_file")
            {
                bearer = e;
            }
        }
        if (bearer is { } bt)
        {
            if (b.Has("authorization"))
            {
                b.Reader.Error(bt.KeyNode, $"at most one of authorization, bearer_token & bearer_token_file must be configured in {b.Where}");
            }
            else
            {
                job = job with { Authorization = new AuthorizationConfig { Credentials = job.BearerToken, CredentialsFile = job.BearerTokenFile } };
            }
        }
        if (b.Has("basic_auth") && job.Authorization is not null && job.BasicAuth is not null)
        {
            b.Reader.Error(b.Entry("basic_auth").KeyNode, $"at most one of basic_auth, oauth2 & authorization must be configured in {b.Where}");
        }
        return job;
    }

    /// <summary>A canonical text of a YAML node (mapping keys sorted), so equal settings compare equal.</summary>
    public static string Canonical(YamlNode node)
    {
        var sb = new StringBuilder();
        Append(sb, node);
        return sb.ToString();

        static void Append(StringBuilder sb, YamlNode n)
        {
            switch (n)
            {
                case YamlMappingNode m:
                    sb.Append('{');
                    foreach (var (k, v) in m.Children.OrderBy(c => (c.Key as YamlScalarNode)?.Value, StringComparer.Ordinal))
                    {
                        Append(sb, k);
                        sb.Append(':');
                        Append(sb, v);
                        sb.Append(',');
                    }
                    sb.Append('}');
                    break;
                case YamlSequenceNode s:
                    sb.Append('[');
                    foreach (var c in s.Children)
                    {
                        Append(sb, c);
                        sb.Append(',');
                    }
                    sb.Append(']');
                    break;
                case YamlScalarNode sc:
                    sb.Append('"').Append((sc.Value ?? string.Empty).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
            }
        }
    }
}
