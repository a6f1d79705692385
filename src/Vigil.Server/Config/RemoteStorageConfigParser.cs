using Vigil.Collection.Remote;
using Vigil.Collection.Scrape;

namespace Vigil.Server.Config;

/// <summary>Maps <c>storage.remote</c> onto <see cref="RemoteStoreOptions"/>: url, type, write_url, headers, basic_auth, authorization or bearer_token, tls_config, timeout, max_response_size.</summary>
internal static class RemoteStorageConfigParser
{
    public static RemoteStoreOptions? Parse(ConfigReader r, ConfigEntry section)
    {
        if (ConfigReader.IsNull(section.Value))
        {
            return null;
        }
        Uri? url = null, writeUrl = null;
        string type = RemoteStoreOptions.PrometheusApi;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        BasicAuthConfig? basic = null;
        AuthorizationConfig? authorization = null;
        ConfigEntry? authEntry = null;
        var tls = TlsConfig.None;
        TimeSpan timeout = TimeSpan.FromMinutes(2);
        long maxResponse = 256L << 20;
        bool urlGiven = false;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "url":
                    url = HttpUrl(r, e);
                    urlGiven = true;
                    break;
                case "write_url":
                    writeUrl = HttpUrl(r, e);
                    break;
                case "type":
                    string? t = r.String(e);
                    if (t is not null && t != RemoteStoreOptions.PrometheusApi)
                    {
                        r.Invalid(e, $"expected {RemoteStoreOptions.PrometheusApi} (VictoriaMetrics, Mimir, Thanos and Prometheus all serve it), got \"{t}\"");
                    }
                    break;
                case "headers":
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
                    break;
                case "basic_auth":
                    basic = HttpClientConfigParser.ParseBasicAuth(r, e);
                    authEntry ??= e;
                    break;
                case "authorization":
                    authorization = HttpClientConfigParser.ParseAuthorization(r, e);
                    authEntry ??= e;
                    break;
                case "bearer_token":
                    authorization = new AuthorizationConfig { Credentials = r.String(e) };
                    authEntry ??= e;
                    break;
                case "bearer_token_file":
                    authorization = new AuthorizationConfig { CredentialsFile = r.ExistingFile(e) };
                    authEntry ??= e;
                    break;
                case "tls_config":
                    tls = HttpClientConfigParser.ParseTls(r, e);
                    break;
                case "timeout":
                    if (r.Duration(e) is { } d)
                    {
                        if (d <= TimeSpan.Zero)
                        {
                            r.Invalid(e, "must be greater than 0");
                        }
                        else
                        {
                            timeout = d;
                        }
                    }
                    break;
                case "max_response_size":
                    if (r.Bytes(e) is { } bytes)
                    {
                        if (bytes <= 0 || bytes > 2L << 30)
                        {
                            r.Invalid(e, "must be more than 0 and at most 2GB");
                        }
                        else
                        {
                            maxResponse = bytes;
                        }
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (basic is not null && authorization is not null && authEntry is { } ae)
        {
            r.Error(ae.KeyNode, $"at most one of basic_auth, authorization and bearer_token may be configured in {section.Path}");
        }
        if (url is null)
        {
            if (urlGiven)
            {
                return null;
            }
            r.Error(section.KeyNode, $"{section.Path} needs a url (the Prometheus query API's base, e.g. http://victoria-metrics:8428/)");
            return null;
        }
        return new RemoteStoreOptions
        {
            Url = url, Type = type, WriteUrl = writeUrl, Headers = headers, BasicAuth = basic, Authorization = authorization, Tls = tls,
            Timeout = timeout, MaxResponseBytes = maxResponse,
        };
    }

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
