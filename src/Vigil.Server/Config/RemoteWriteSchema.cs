using Vigil.Collection.Relabel;
using Vigil.Collection.Remote;
using Vigil.Collection.Scrape;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>The keys of <c>remote_write:</c>, declared onto <see cref="RemoteWriteOptions"/>, with Prometheus's keys, defaults and checks.</summary>
/// <remarks>Stateless. Vigil adds one key per remote: <c>max_wal_size</c>, the disk the WAL may keep for it while it cannot send.</remarks>
internal static class RemoteWriteSchema
{
    /// <summary>A remote as read, before the url is required and the ways to authenticate are checked.</summary>
    private sealed record Remote
    {
        public Uri? Url { get; init; }

        public string Name { get; init; } = string.Empty;

        public TimeSpan RemoteTimeout { get; init; } = TimeSpan.FromSeconds(30);

        public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);

        public BasicAuthConfig? BasicAuth { get; init; }

        public AuthorizationConfig? Authorization { get; init; }

        public string? BearerToken { get; init; }

        public string? BearerTokenFile { get; init; }

        public TlsConfig Tls { get; init; } = TlsConfig.None;

        public List<RelabelConfig> WriteRelabelConfigs { get; init; } = [];

        public RemoteQueueOptions Queue { get; init; } = new();

        public RemoteMetadataOptions Metadata { get; init; } = new();

        public long MaxWalBytes { get; init; }
    }

    private static readonly ConfigValue<int> Count = NonNegativeInteger.Where(n => n is >= 1 and <= 10_000_000, _ => "must be between 1 and 10000000").As(n => (int)n);

    private static readonly ConfigValue<TimeSpan> Positive = Duration.Where(d => d > TimeSpan.Zero, _ => "must be positive");

    private static readonly ConfigSchema<RemoteQueueOptions> QueueKeys = new ConfigSchema<RemoteQueueOptions>()
        .Key("capacity", Count, (q, v) => q with { Capacity = v })
        .Key("max_shards", Count, (q, v) => q with { MaxShards = v })
        .Key("min_shards", Count, (q, v) => q with { MinShards = v })
        .Key("max_samples_per_send", Count, (q, v) => q with { MaxSamplesPerSend = v })
        .Key("batch_send_deadline", Positive, (q, v) => q with { BatchSendDeadline = v })
        .Key("min_backoff", Positive, (q, v) => q with { MinBackoff = v })
        .Key("max_backoff", Positive, (q, v) => q with { MaxBackoff = v })
        .Key("retry_on_http_429", Bool, (q, v) => q with { RetryOnRateLimit = v })
        .Key("sample_age_limit", Duration, (q, v) => q with { SampleAgeLimit = v })
        // Note: Prometheus has ignored max_retries since 2.11 (it retries forever); accepted so old files load.
        .Ignore("max_retries")
        .Finish(b =>
        {
            var q = b.Value;
            if (q.MinShards > q.MaxShards)
            {
                b.Error($"min_shards ({q.MinShards}) is greater than max_shards ({q.MaxShards}) in {b.Where}");
            }
            if (q.MinBackoff > q.MaxBackoff)
            {
                b.Error($"min_backoff is greater than max_backoff in {b.Where}");
            }
            return q;
        });

    private static readonly ConfigSchema<RemoteMetadataOptions> MetadataKeys = new ConfigSchema<RemoteMetadataOptions>()
        .Key("send", Bool, (m, v) => m with { Send = v })
        .Key("send_interval", Positive, (m, v) => m with { SendInterval = v })
        .Key("max_samples_per_send", Count, (m, v) => m with { MaxSamplesPerSend = v });

    private static readonly string[] AuthKeys = ["basic_auth", "authorization", "bearer_token", "bearer_token_file"];

    private static readonly ConfigSchema<Remote> Keys = new ConfigSchema<Remote>()
        .Custom("url", (r, e, o) =>
        {
            if (r.String(e) is not { } text)
            {
                return null;
            }
            if (Uri.TryCreate(text, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && u.Host.Length > 0)
            {
                return o with { Url = u };
            }
            r.Invalid(e, $"\"{text}\" is not an http or https URL");
            return null;
        })
        .Custom("name", (r, e, o) => o with { Name = r.String(e) ?? string.Empty })
        .Key("remote_timeout", Duration, (o, v) => o with { RemoteTimeout = v })
        .Custom("headers", (r, e, o) =>
        {
            var headers = new Dictionary<string, string>(o.Headers, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value, entry) in r.StringMap(e))
            {
                if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || key.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase)
                    || key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) || key.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)
                    || key.StartsWith("X-Prometheus-Remote-Write-", StringComparison.OrdinalIgnoreCase))
                {
                    r.Error(entry.KeyNode, $"{key} is a reserved header. It must not be changed in {e.Where}");
                    continue;
                }
                headers[key] = value;
            }
            return o with { Headers = headers };
        })
        .Custom("basic_auth", (r, e, o) => o with { BasicAuth = HttpClientSchema.ParseBasicAuth(r, e) })
        .Custom("authorization", (r, e, o) => o with { Authorization = HttpClientSchema.ParseAuthorization(r, e) })
        .Key("bearer_token", HttpClientSchema.OptionalText, (o, v) => o with { BearerToken = v })
        .Key("bearer_token_file", HttpClientSchema.ExistingFile, (o, v) => o with { BearerTokenFile = v })
        .Custom("tls_config", (r, e, o) => o with { Tls = HttpClientSchema.ParseTls(r, e) })
        .Key("write_relabel_configs", RelabelSchema.Steps, (o, v) => o with { WriteRelabelConfigs = v })
        .Key("queue_config", QueueKeys.Value(() => new RemoteQueueOptions()), (o, v) => o with { Queue = v })
        .Key("metadata_config", MetadataKeys.Value(() => new RemoteMetadataOptions()), (o, v) => o with { Metadata = v })
        .Custom("protobuf_message", (r, e, o) =>
        {
            if (r.String(e) is { } message && message != "prometheus.WriteRequest")
            {
                r.Invalid(e, $"\"{message}\": Vigil sends prometheus.WriteRequest (remote-write 1.0), which every receiver accepts");
            }
            return null;
        })
        .Custom("follow_redirects", (r, e, o) =>
        {
            _ = r.Bool(e);
            return null;
        })
        .Custom("max_wal_size", (r, e, o) => o with { MaxWalBytes = r.Bytes(e) ?? 0 })
        .Unsupported("send_exemplars", "send_native_histograms", "round_robin_dns", "sigv4", "azuread", "google_iam", "oauth2",
            "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "enable_http2", "http_headers");

    /// <summary>Maps the list; entries with errors are left out (the errors are recorded).</summary>
    public static List<RemoteWriteOptions> ParseList(ConfigReader r, ConfigEntry section)
    {
        UniqueListOf<RemoteWriteOptions>(Item, remote => remote.EffectiveName,
            (name, where) => $"found multiple remote write configs with name \"{name}\" in {where}")(r, section, out var remotes);
        return remotes;
    }

    private static bool Item(ConfigReader r, YamlNode node, string where, out RemoteWriteOptions value)
    {
        value = null!;
        if (ConfigReader.IsNull(node))
        {
            r.Error(node, $"empty or null remote write config section in {where}");
            return false;
        }
        int errorsBefore = r.Errors.Count;
        var entries = r.Mapping(node, where);
        var o = Keys.Bind(r, node, where, entries, new Remote())!;
        if (o.Url is null && r.Errors.Count == errorsBefore)
        {
            r.Error(node, $"url for remote_write is empty in {where}");
        }
        if (entries.Count(e => AuthKeys.Contains(e.Key)) > 1)
        {
            r.Error(node, $"at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured in {where}");
        }
        var authorization = o.BearerToken is not null || o.BearerTokenFile is not null
            ? new AuthorizationConfig { Credentials = o.BearerToken, CredentialsFile = o.BearerTokenFile }
            : o.Authorization;
        if (r.Errors.Count != errorsBefore)
        {
            return false;
        }
        value = new RemoteWriteOptions
        {
            Url = o.Url!,
            Name = o.Name,
            RemoteTimeout = o.RemoteTimeout,
            Headers = o.Headers,
            BasicAuth = o.BasicAuth,
            Authorization = authorization,
            Tls = o.Tls,
            WriteRelabelConfigs = o.WriteRelabelConfigs,
            Queue = o.Queue,
            Metadata = o.Metadata,
            MaxWalBytes = o.MaxWalBytes,
        };
        return true;
    }
}
