using Vigil.Collection.Relabel;
using Vigil.Collection.Remote;
using Vigil.Collection.Scrape;

namespace Vigil.Server.Config;

/// <summary>Maps <c>remote_write:</c> onto <see cref="RemoteWriteOptions"/>, with Prometheus's keys, defaults and checks.</summary>
/// <remarks>Stateless. Vigil adds one key per remote: <c>max_wal_size</c>, the disk the WAL may keep for it while it cannot send.</remarks>
internal static class RemoteWriteConfigParser
{
    private static readonly HashSet<string> UnsupportedKeys = new(StringComparer.Ordinal)
    {
        "send_exemplars", "send_native_histograms", "round_robin_dns", "sigv4", "azuread", "google_iam", "oauth2",
        "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "enable_http2", "http_headers",
    };

    /// <summary>Maps the list; entries with errors are left out (the errors are recorded).</summary>
    public static List<RemoteWriteOptions> ParseList(ConfigReader r, ConfigEntry section)
    {
        var result = new List<RemoteWriteOptions>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, where) in r.Sequence(section))
        {
            if (ConfigReader.IsNull(node))
            {
                r.Error(node, $"empty or null remote write config section in {where}");
                continue;
            }
            if (Parse(r, node, where) is { } remote)
            {
                if (!names.Add(remote.EffectiveName))
                {
                    r.Error(node, $"found multiple remote write configs with name \"{remote.EffectiveName}\" in {where}");
                    continue;
                }
                result.Add(remote);
            }
        }
        return result;
    }

    private static RemoteWriteOptions? Parse(ConfigReader r, YamlDotNet.RepresentationModel.YamlNode node, string where)
    {
        int errorsBefore = r.Errors.Count;
        Uri? url = null;
        string name = string.Empty;
        var timeout = TimeSpan.FromSeconds(30);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        BasicAuthConfig? basicAuth = null;
        AuthorizationConfig? authorization = null;
        int authKinds = 0;
        string? bearerToken = null, bearerTokenFile = null;
        var tls = TlsConfig.None;
        var relabel = new List<RelabelConfig>();
        var queue = new RemoteQueueOptions();
        var metadata = new RemoteMetadataOptions();
        long maxWal = 0;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "url":
                    if (r.String(e) is { } text)
                    {
                        if (Uri.TryCreate(text, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.Host.Length > 0)
                        {
                            url = u;
                        }
                        else
                        {
                            r.Invalid(e, $"\"{text}\" is not an http or https URL");
                        }
                    }
                    break;
                case "name":
                    name = r.String(e) ?? string.Empty;
                    break;
                case "remote_timeout":
                    timeout = r.Duration(e) ?? timeout;
                    break;
                case "headers":
                    foreach (var (key, value, entry) in r.StringMap(e))
                    {
                        if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || key.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                            || key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || key.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)
                            || key.StartsWith("X-Prometheus-Remote-Write-", StringComparison.OrdinalIgnoreCase))
                        {
                            r.Error(entry.KeyNode, $"{key} is a reserved header. It must not be changed in {where}");
                            continue;
                        }
                        headers[key] = value;
                    }
                    break;
                case "basic_auth":
                    basicAuth = HttpClientConfigParser.ParseBasicAuth(r, e);
                    authKinds++;
                    break;
                case "authorization":
                    authorization = HttpClientConfigParser.ParseAuthorization(r, e);
                    authKinds++;
                    break;
                case "bearer_token":
                    bearerToken = r.String(e);
                    authKinds++;
                    break;
                case "bearer_token_file":
                    bearerTokenFile = r.ExistingFile(e);
                    authKinds++;
                    break;
                case "tls_config":
                    tls = HttpClientConfigParser.ParseTls(r, e);
                    break;
                case "write_relabel_configs":
                    relabel = RelabelConfigParser.ParseList(r, e);
                    break;
                case "queue_config":
                    queue = ParseQueue(r, e);
                    break;
                case "metadata_config":
                    metadata = ParseMetadata(r, e);
                    break;
                case "protobuf_message":
                    if (r.String(e) is { } message && message != "prometheus.WriteRequest")
                    {
                        r.Invalid(e, $"\"{message}\": Vigil sends prometheus.WriteRequest (remote-write 1.0), which every receiver accepts");
                    }
                    break;
                case "follow_redirects":
                    _ = r.Bool(e);
                    break;
                case "max_wal_size":
                    maxWal = r.Bytes(e) ?? 0;
                    break;
                default:
                    if (UnsupportedKeys.Contains(e.Key))
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
        if (url is null && r.Errors.Count == errorsBefore)
        {
            r.Error(node, $"url for remote_write is empty in {where}");
        }
        if (authKinds > 1)
        {
            r.Error(node, $"at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured in {where}");
        }
        if (bearerToken is not null || bearerTokenFile is not null)
        {
            authorization = new AuthorizationConfig { Credentials = bearerToken, CredentialsFile = bearerTokenFile };
        }
        if (r.Errors.Count != errorsBefore)
        {
            return null;
        }
        return new RemoteWriteOptions
        {
            Url = url!,
            Name = name,
            RemoteTimeout = timeout,
            Headers = headers,
            BasicAuth = basicAuth,
            Authorization = authorization,
            Tls = tls,
            WriteRelabelConfigs = relabel,
            Queue = queue,
            Metadata = metadata,
            MaxWalBytes = maxWal,
        };
    }

    private static RemoteQueueOptions ParseQueue(ConfigReader r, ConfigEntry section)
    {
        var q = new RemoteQueueOptions();
        if (ConfigReader.IsNull(section.Value))
        {
            return q;
        }
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "capacity":
                    q = q with { Capacity = Positive(r, e) ?? q.Capacity };
                    break;
                case "max_shards":
                    q = q with { MaxShards = Positive(r, e) ?? q.MaxShards };
                    break;
                case "min_shards":
                    q = q with { MinShards = Positive(r, e) ?? q.MinShards };
                    break;
                case "max_samples_per_send":
                    q = q with { MaxSamplesPerSend = Positive(r, e) ?? q.MaxSamplesPerSend };
                    break;
                case "batch_send_deadline":
                    q = q with { BatchSendDeadline = PositiveDuration(r, e) ?? q.BatchSendDeadline };
                    break;
                case "min_backoff":
                    q = q with { MinBackoff = PositiveDuration(r, e) ?? q.MinBackoff };
                    break;
                case "max_backoff":
                    q = q with { MaxBackoff = PositiveDuration(r, e) ?? q.MaxBackoff };
                    break;
                case "retry_on_http_429":
                    q = q with { RetryOnRateLimit = r.Bool(e) ?? q.RetryOnRateLimit };
                    break;
                case "sample_age_limit":
                    q = q with { SampleAgeLimit = r.Duration(e) ?? q.SampleAgeLimit };
                    break;
                case "max_retries":
                    // Note: Prometheus has ignored it since 2.11 (it retries forever); accepted so old files load.
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (q.MinShards > q.MaxShards)
        {
            r.Error(section.Value, $"min_shards ({q.MinShards}) is greater than max_shards ({q.MaxShards}) in {section.Path}");
        }
        if (q.MinBackoff > q.MaxBackoff)
        {
            r.Error(section.Value, $"min_backoff is greater than max_backoff in {section.Path}");
        }
        return q;
    }

    private static RemoteMetadataOptions ParseMetadata(ConfigReader r, ConfigEntry section)
    {
        var m = new RemoteMetadataOptions();
        if (ConfigReader.IsNull(section.Value))
        {
            return m;
        }
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "send":
                    m = m with { Send = r.Bool(e) ?? m.Send };
                    break;
                case "send_interval":
                    m = m with { SendInterval = PositiveDuration(r, e) ?? m.SendInterval };
                    break;
                case "max_samples_per_send":
                    m = m with { MaxSamplesPerSend = Positive(r, e) ?? m.MaxSamplesPerSend };
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return m;
    }

    private static int? Positive(ConfigReader r, ConfigEntry e)
    {
        if (r.NonNegativeInteger(e) is not { } n)
        {
            return null;
        }
        if (n == 0 || n > 10_000_000)
        {
            r.Invalid(e, "must be between 1 and 10000000");
            return null;
        }
        return (int)n;
    }

    private static TimeSpan? PositiveDuration(ConfigReader r, ConfigEntry e)
    {
        if (r.Duration(e) is not { } d)
        {
            return null;
        }
        if (d <= TimeSpan.Zero)
        {
            r.Invalid(e, "must be positive");
            return null;
        }
        return d;
    }
}
