using System.Globalization;
using System.Text;
using Vigil.Collection.Discovery;
using Vigil.Collection.Relabel;
using Vigil.Collection.Scrape;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>Maps one entry of <c>scrape_configs</c> onto a <see cref="ScrapeConfig"/>, with Prometheus's defaults and checks.</summary>
/// <remarks>A Prometheus key that Vigil does not implement is an error. Stateless.</remarks>
internal static class ScrapeConfigParser
{
    private static readonly HashSet<string> UnsupportedKeys = new(StringComparer.Ordinal)
    {
        "oauth2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "enable_http2", "http_headers",
        "scrape_protocols", "fallback_scrape_protocol", "scrape_classic_histograms", "always_scrape_classic_histograms",
        "convert_classic_histograms_to_nhcb", "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
        "target_limit", "keep_dropped_targets", "metric_name_validation_scheme", "metric_name_escaping_scheme",
        "scrape_failure_log_file", "scrape_native_histograms",
    };

    /// <summary>Maps one job; null (with the errors recorded) when it is invalid.</summary>
    public static ScrapeConfig? Parse(ConfigReader r, YamlNode node, string where, GlobalConfig global)
    {
        int errorsBefore = r.Errors.Count;
        string? jobName = null;
        TimeSpan? interval = null, timeout = null;
        ConfigEntry? timeoutEntry = null;
        string metricsPath = "/metrics", scheme = "http";
        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        bool honorLabels = false, honorTimestamps = true, trackTimestampsStaleness = false, compression = true, redirects = true;
        BasicAuthConfig? basicAuth = null;
        AuthorizationConfig? authorization = null;
        ConfigEntry? basicAuthEntry = null, authorizationEntry = null, bearerTokenEntry = null;
        string? bearerToken = null, bearerTokenFile = null;
        var tls = TlsConfig.None;
        var staticConfigs = new List<TargetGroup>();
        var fileSd = new List<FileSdConfig>();
        var relabel = new List<RelabelConfig>();
        var metricRelabel = new List<RelabelConfig>();
        long sampleLimit = 0, labelLimit = 0, nameLengthLimit = 0, valueLengthLimit = 0, bodySizeLimit = 0;

        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "job_name":
                    jobName = r.String(e);
                    break;
                case "scrape_interval":
                    interval = r.PositiveDuration(e);
                    break;
                case "scrape_timeout":
                    timeout = r.PositiveDuration(e);
                    timeoutEntry = e;
                    break;
                case "metrics_path":
                    metricsPath = r.String(e) ?? metricsPath;
                    break;
                case "scheme":
                    string? s = r.String(e);
                    if (s is "http" or "https")
                    {
                        scheme = s;
                    }
                    else if (s is not null)
                    {
                        r.Invalid(e, $"must be http or https, got \"{s}\"");
                    }
                    break;
                case "params":
                    foreach (var p in r.Mapping(e.Value, e.Path))
                    {
                        parameters[p.Key] = r.StringList(p);
                    }
                    break;
                case "honor_labels":
                    honorLabels = r.Bool(e) ?? honorLabels;
                    break;
                case "honor_timestamps":
                    honorTimestamps = r.Bool(e) ?? honorTimestamps;
                    break;
                case "track_timestamps_staleness":
                    trackTimestampsStaleness = r.Bool(e) ?? trackTimestampsStaleness;
                    break;
                case "enable_compression":
                    compression = r.Bool(e) ?? compression;
                    break;
                case "follow_redirects":
                    redirects = r.Bool(e) ?? redirects;
                    break;
                case "basic_auth":
                    basicAuth = HttpClientConfigParser.ParseBasicAuth(r, e);
                    basicAuthEntry = e;
                    break;
                case "authorization":
                    authorization = HttpClientConfigParser.ParseAuthorization(r, e);
                    authorizationEntry = e;
                    break;
                case "bearer_token":
                    bearerToken = r.String(e);
                    bearerTokenEntry = e;
                    break;
                case "bearer_token_file":
                    bearerTokenFile = r.ExistingFile(e);
                    if (bearerTokenEntry is not null)
                    {
                        r.Error(e.KeyNode, $"at most one of bearer_token & bearer_token_file must be configured in {where}");
                    }
                    bearerTokenEntry = e;
                    break;
                case "tls_config":
                    tls = HttpClientConfigParser.ParseTls(r, e);
                    break;
                case "static_configs":
                    foreach (var (item, itemWhere) in r.Sequence(e))
                    {
                        if (ParseStaticConfig(r, item, itemWhere, staticConfigs.Count) is { } group)
                        {
                            staticConfigs.Add(group);
                        }
                    }
                    break;
                case "file_sd_configs":
                    foreach (var (item, itemWhere) in r.Sequence(e))
                    {
                        fileSd.Add(ParseFileSd(r, item, itemWhere));
                    }
                    break;
                case "relabel_configs":
                    relabel = RelabelConfigParser.ParseList(r, e);
                    break;
                case "metric_relabel_configs":
                    metricRelabel = RelabelConfigParser.ParseList(r, e);
                    break;
                case "sample_limit":
                    sampleLimit = r.NonNegativeInteger(e) ?? 0;
                    break;
                case "label_limit":
                    labelLimit = r.NonNegativeInteger(e) ?? 0;
                    break;
                case "label_name_length_limit":
                    nameLengthLimit = r.NonNegativeInteger(e) ?? 0;
                    break;
                case "label_value_length_limit":
                    valueLengthLimit = r.NonNegativeInteger(e) ?? 0;
                    break;
                case "body_size_limit":
                    bodySizeLimit = r.Bytes(e) ?? 0;
                    break;
                default:
                    if (UnsupportedKeys.Contains(e.Key) || (e.Key.EndsWith("_sd_configs", StringComparison.Ordinal) && e.Key != "file_sd_configs"))
                    {
                        r.Unsupported(e);
                    }
                    else
                    {
                        r.UnknownKey(e);
                    }
                    break;
            }
        }

        if (string.IsNullOrEmpty(jobName))
        {
            r.Error(node, $"job_name is empty in {where}");
        }
        var effectiveInterval = interval ?? global.ScrapeInterval;
        TimeSpan effectiveTimeout;
        if (timeout is { } t)
        {
            effectiveTimeout = t;
            if (t > effectiveInterval && timeoutEntry is { } te)
            {
                r.Error(te.Value, $"scrape timeout greater than scrape interval for scrape config with job name \"{jobName}\" ({PrometheusDuration.Format(t)} > {PrometheusDuration.Format(effectiveInterval)})");
            }
        }
        else
        {
            effectiveTimeout = global.ScrapeTimeout > effectiveInterval ? effectiveInterval : global.ScrapeTimeout;
        }
        if (bearerTokenEntry is { } bt)
        {
            if (authorizationEntry is not null)
            {
                r.Error(bt.KeyNode, $"at most one of authorization, bearer_token & bearer_token_file must be configured in {where}");
            }
            else
            {
                authorization = new AuthorizationConfig { Credentials = bearerToken, CredentialsFile = bearerTokenFile };
            }
        }
        if (basicAuthEntry is { } ba && authorization is not null && basicAuth is not null)
        {
            r.Error(ba.KeyNode, $"at most one of basic_auth, oauth2 & authorization must be configured in {where}");
        }
        if (r.Errors.Count != errorsBefore)
        {
            return null;
        }
        return new ScrapeConfig
        {
            JobName = jobName!,
            ScrapeInterval = effectiveInterval,
            ScrapeTimeout = effectiveTimeout,
            MetricsPath = metricsPath,
            Scheme = scheme,
            Params = parameters,
            HonorLabels = honorLabels,
            HonorTimestamps = honorTimestamps,
            TrackTimestampsStaleness = trackTimestampsStaleness,
            EnableCompression = compression,
            FollowRedirects = redirects,
            BasicAuth = basicAuth,
            Authorization = authorization,
            Tls = tls,
            StaticConfigs = staticConfigs,
            FileSdConfigs = fileSd,
            RelabelConfigs = relabel,
            MetricRelabelConfigs = metricRelabel,
            SampleLimit = sampleLimit,
            LabelLimit = labelLimit,
            LabelNameLengthLimit = nameLengthLimit,
            LabelValueLengthLimit = valueLengthLimit,
            BodySizeLimit = bodySizeLimit,
            Fingerprint = string.Create(CultureInfo.InvariantCulture,
                $"{Canonical(node)}|{effectiveInterval.Ticks}|{effectiveTimeout.Ticks}"),
        };
    }

    private static TargetGroup? ParseStaticConfig(ConfigReader r, YamlNode node, string where, int index)
    {
        var targets = new List<LabelSet>();
        var labels = LabelSet.Empty;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "targets":
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
                    break;
                case "labels":
                    Binding.ConfigValues.LabelMap(allowReserved: true)(r, e, out labels);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new TargetGroup(index.ToString(CultureInfo.InvariantCulture), targets, labels);
    }

    private static FileSdConfig ParseFileSd(ConfigReader r, YamlNode node, string where)
    {
        var files = new List<string>();
        var refresh = FileSdConfig.DefaultRefreshInterval;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "files":
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
                    break;
                case "refresh_interval":
                    refresh = r.PositiveDuration(e) ?? refresh;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new FileSdConfig { Files = files, RefreshInterval = refresh };
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
