using Vigil.Collection.Remote;
using Vigil.Collection.Scrape;
using Vigil.Server.Config.Binding;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The keys of <c>storage.remote</c>, declared onto <see cref="RemoteStoreOptions"/>: url, type, write_url, headers,
/// basic_auth, authorization or bearer_token, tls_config, timeout, max_response_size.
/// </summary>
internal static class RemoteStorageSchema
{
    /// <summary>The remote store as read, before the url is required and the ways to authenticate are checked.</summary>
    private sealed record Store
    {
        public Uri? Url { get; init; }

        public Uri? WriteUrl { get; init; }

        public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);

        public BasicAuthConfig? BasicAuth { get; init; }

        public AuthorizationConfig? Authorization { get; init; }

        public TlsConfig Tls { get; init; } = TlsConfig.None;

        public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

        public long MaxResponseBytes { get; init; } = 256L << 20;
    }

    private static readonly string[] AuthKeys = ["basic_auth", "authorization", "bearer_token", "bearer_token_file"];

    private static readonly ConfigSchema<Store> Keys = new ConfigSchema<Store>()
        .Custom("url", (r, e, o) => o with { Url = HttpUrl(r, e) })
        .Custom("write_url", (r, e, o) => o with { WriteUrl = HttpUrl(r, e) })
        .Custom("type", (r, e, o) =>
        {
            if (r.String(e) is { } t && t != RemoteStoreOptions.PrometheusApi)
            {
                r.Invalid(e, $"expected {RemoteStoreOptions.PrometheusApi} (VictoriaMetrics, Mimir, Thanos and Prometheus all serve it), got \"{t}\"");
            }
            return null;
        })
        .Custom("headers", (r, e, o) =>
        {
            var headers = new Dictionary<string, string>(o.Headers, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value, entry) in r.StringMap(e))
            {
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Length == 0 || name.Any(c => c <= ' ' || c == ':' || c > '~'))
                {
                    r.Invalid(entry, name.Length > 0 && char.IsAsciiLetter(name[0]) && !name.Any(c => c <= ' ' || c == ':' || c > '~')
                        ? "set the Authorization header with basic_auth, authorization or bearer_token"
                        : $"\"{name}\" is not a valid header name");
                }
                else
                {
                    headers[name] = value;
                }
            }
            return o with { Headers = headers };
        })
        .Custom("basic_auth", (r, e, o) => o with { BasicAuth = HttpClientSchema.ParseBasicAuth(r, e) })
        .Custom("authorization", (r, e, o) => o with { Authorization = HttpClientSchema.ParseAuthorization(r, e) })
        .Custom("bearer_token", (r, e, o) => o with { Authorization = new AuthorizationConfig { Credentials = r.String(e) } })
        .Custom("bearer_token_file", (r, e, o) => o with { Authorization = new AuthorizationConfig { CredentialsFile = r.ExistingFile(e) } })
        .Custom("tls_config", (r, e, o) => o with { Tls = HttpClientSchema.ParseTls(r, e) })
        .Key("timeout", Duration.Where(d => d > TimeSpan.Zero, _ => "must be greater than 0"), (o, v) => o with { Timeout = v })
        .Key("max_response_size", Bytes.Where(b => b > 0 && b <= 2L << 30, _ => "must be more than 0 and at most 2GB"), (o, v) => o with { MaxResponseBytes = v })
        .Finish(b =>
        {
            if (b.Value.BasicAuth is not null && b.Value.Authorization is not null)
            {
                var first = b.Entries.First(e => AuthKeys.Contains(e.Key));
                b.Reader.Error(first.KeyNode, $"at most one of basic_auth, authorization and bearer_token may be configured in {b.Where}");
            }
            return b.Value;
        });

    /// <summary>Maps the section; null when it is null or has no valid url (the problem is recorded).</summary>
    public static RemoteStoreOptions? Parse(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return null;
        }
        var entries = r.Mapping(section.Value, section.Path);
        var s = Keys.Bind(r, section.Value, section.Path, entries, new Store())!;
        if (s.Url is null)
        {
            if (!entries.Any(e => e.Key == "url"))
            {
                r.Error(section.KeyNode, $"{section.Path} needs a url (the Prometheus query API's base, e.g. http://victoria-metrics:8428/)");
            }
            return null;
        }
        return new RemoteStoreOptions
        {
            Url = s.Url, Type = RemoteStoreOptions.PrometheusApi, WriteUrl = s.WriteUrl, Headers = s.Headers, BasicAuth = s.BasicAuth,
            Authorization = s.Authorization, Tls = s.Tls, Timeout = s.Timeout, MaxResponseBytes = s.MaxResponseBytes,
        };
    }

    /// <summary>An absolute http:// or https:// URL; null (reported) otherwise.</summary>
    private static Uri? HttpUrl(ConfigReader r, ConfigEntry e)
    {
        string? text = r.String(e);
        if (text is null)
        {
            return null;
        }
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0)
        {
            return uri;
        }
        r.Invalid(e, $"expected an http:// or https:// URL, got \"{text}\"");
        return null;
    }
}
