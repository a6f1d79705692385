using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Config;
using Vigil.Rules.Yaml;
using Vigil.Server.Config;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Security;

/// <summary>
/// Reads a web configuration file strictly (unknown keys are errors, as in the exporter-toolkit), reporting every
/// problem as <c>file:line:col</c>. Relative paths resolve against the file's directory.
/// </summary>
internal static partial class WebConfigParser
{
    /// <summary>The headers the exporter-toolkit allows, with their allowed values (none listed: any value).</summary>
    private static readonly Dictionary<string, string[]> AllowedHeaders = new(StringComparer.Ordinal)
    {
        ["Strict-Transport-Security"] = [],
        ["X-Content-Type-Options"] = ["nosniff"],
        ["X-Frame-Options"] = ["deny", "sameorigin"],
        ["X-XSS-Protection"] = [],
        ["Content-Security-Policy"] = [],
    };

    /// <summary>Largest token file read; a token is a line, not a document.</summary>
    private const int MaxTokenFileBytes = 64 * 1024;

    [GeneratedRegex(@"^\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}$", RegexOptions.CultureInvariant)]
    private static partial Regex BcryptHash();

    /// <summary>Reads and parses <paramref name="path"/>; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static WebConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([new ConfigError(path, 0, 0, "cannot read the web configuration file: " + e.Message)]);
        }
        string full = Path.GetFullPath(path);
        return Parse(text, path, Path.GetDirectoryName(full) ?? Directory.GetCurrentDirectory()) with
        {
            SourcePath = full,
        };
    }

    /// <summary>Parses YAML text; <paramref name="fileName"/> names it in errors, <paramref name="baseDirectory"/> resolves relative paths.</summary>
    public static WebConfig Parse(string yaml, string fileName, string baseDirectory)
    {
        var r = new ConfigReader(fileName, baseDirectory);
        if (!SafeYaml.TryLoad(yaml, out var stream, out var syntax))
        {
            r.Errors.Add(new ConfigError(fileName, syntax.Line, syntax.Column, "invalid YAML: " + syntax.Message));
            throw new ConfigException(r.Errors);
        }
        if (stream.Documents.Count == 0)
        {
            return WebConfig.None;
        }
        var config = Parse(r, stream.Documents[0].RootNode);
        if (r.Errors.Count > 0)
        {
            throw new ConfigException(r.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
        return config;
    }

    private static WebConfig Parse(ConfigReader r, YamlNode root)
    {
        WebTlsConfig? tls = null;
        bool http2 = true;
        var headers = new List<KeyValuePair<string, string>>();
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var scopes = new Dictionary<string, AccessScope>(StringComparer.Ordinal);
        var scopeEntries = new List<ConfigEntry>();
        var tokens = new List<BearerToken>();
        WebRateLimit? rateLimit = null;
        foreach (var e in r.Mapping(root, string.Empty))
        {
            switch (e.Key)
            {
                case "tls_server_config":
                    tls = ParseTls(r, e);
                    break;
                case "http_server_config":
                    foreach (var h in r.Mapping(e.Value, e.Path))
                    {
                        switch (h.Key)
                        {
                            case "http2":
                                http2 = r.Bool(h) ?? true;
                                break;
                            case "headers":
                                ParseHeaders(r, h, headers);
                                break;
                            default:
                                r.UnknownKey(h);
                                break;
                        }
                    }
                    break;
                case "basic_auth_users":
                    foreach (var (user, hash, entry) in r.StringMap(e))
                    {
                        if (!BcryptHash().IsMatch(hash))
                        {
                            r.Invalid(entry, "expected a bcrypt hash ($2y$10$... from htpasswd -nBC 10), not a clear-text password");
                            continue;
                        }
                        users[user] = hash;
                    }
                    break;
                case "vigil_user_scopes":
                    foreach (var (user, scopeText, entry) in r.StringMap(e))
                    {
                        if (!AccessScopes.TryParse(scopeText, out var scope))
                        {
                            r.Invalid(entry, $"expected one of {string.Join(", ", AccessScopes.Names)}, got \"{scopeText}\"");
                            continue;
                        }
                        scopes[user] = scope;
                        scopeEntries.Add(entry);
                    }
                    break;
                case "bearer_tokens":
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        if (ParseToken(r, node, where) is { } token)
                        {
                            tokens.Add(token);
                        }
                    }
                    break;
                case "rate_limit":
                    rateLimit = ParseRateLimit(r, e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        foreach (var entry in scopeEntries)
        {
            if (!users.ContainsKey(entry.Key))
            {
                r.Error(entry.KeyNode, $"vigil_user_scopes names \"{entry.Key}\", who is not in basic_auth_users");
            }
        }
        return new WebConfig
        {
            Tls = tls,
            Http2 = http2,
            Headers = headers,
            Users = users,
            UserScopes = scopes,
            BearerTokens = tokens,
            RateLimit = rateLimit,
            Files = tokens.Select(t => t.File).ToList(),
        };
    }

    private static void ParseHeaders(ConfigReader r, ConfigEntry section, List<KeyValuePair<string, string>> headers)
    {
        foreach (var (name, value, entry) in r.StringMap(section))
        {
            if (!AllowedHeaders.TryGetValue(name, out var allowed))
            {
                r.Error(entry.KeyNode, $"HTTP header \"{name}\" can not be configured (allowed: {string.Join(", ", AllowedHeaders.Keys)})");
                continue;
            }
            if (allowed.Length > 0 && !allowed.Contains(value, StringComparer.Ordinal))
            {
                r.Invalid(entry, $"expected one of {string.Join(", ", allowed)}, got \"{value}\"");
                continue;
            }
            if (value.Length > 0)
            {
                headers.Add(new(name, value));
            }
        }
    }

    private static BearerToken? ParseToken(ConfigReader r, YamlNode node, string where)
    {
        string? file = null, name = null;
        AccessScope? scope = null;
        bool scopeSeen = false;
        ConfigEntry fileEntry = default;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "file":
                    file = r.ExistingFile(e);
                    fileEntry = e;
                    break;
                case "scope":
                    scopeSeen = true;
                    string? s = r.String(e);
                    if (s is not null && AccessScopes.TryParse(s, out var parsed))
                    {
                        scope = parsed;
                    }
                    else if (s is not null)
                    {
                        r.Invalid(e, $"expected one of {string.Join(", ", AccessScopes.Names)}, got \"{s}\"");
                    }
                    break;
                case "name":
                    name = r.String(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (fileEntry.Key is null)
        {
            r.Error(node, $"{where} needs a file holding the token");
        }
        if (!scopeSeen)
        {
            r.Error(node, $"{where} needs a scope: {string.Join(", ", AccessScopes.Names)}");
        }
        if (file is null || scope is null)
        {
            return null;
        }
        byte[] token;
        try
        {
            var info = new FileInfo(file);
            if (info.Length > MaxTokenFileBytes)
            {
                r.Invalid(fileEntry, $"{file} is {info.Length} bytes; a token file holds one token");
                return null;
            }
            token = Encoding.UTF8.GetBytes(File.ReadAllText(file).Trim());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            r.Invalid(fileEntry, $"cannot read {file}: {ex.Message}");
            return null;
        }
        if (token.Length < 16)
        {
            r.Invalid(fileEntry, $"the token in {file} is {token.Length} bytes; use at least 16 (e.g. openssl rand -hex 32)");
            return null;
        }
        return new BearerToken(string.IsNullOrEmpty(name) ? Path.GetFileNameWithoutExtension(file) : name, scope.Value, SHA256.HashData(token), file);
    }

    private static WebRateLimit? ParseRateLimit(ConfigReader r, ConfigEntry section)
    {
        TimeSpan interval = TimeSpan.Zero;
        long burst = 0;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "interval":
                    interval = r.Duration(e) ?? TimeSpan.Zero;
                    break;
                case "burst":
                    burst = r.NonNegativeInteger(e) ?? 0;
                    if (burst > int.MaxValue)
                    {
                        r.Invalid(e, "too large");
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (interval == TimeSpan.Zero)
        {
            return null;
        }
        if (burst == 0)
        {
            r.Error(section.KeyNode, $"{section.Path}: burst must be at least 1 when interval is set");
            return null;
        }
        return new WebRateLimit(interval, (int)burst);
    }

    private static WebTlsConfig? ParseTls(ConfigReader r, ConfigEntry section)
    {
        string? certFile = null, keyFile = null, certPem = null, keyPem = null, caFile = null, caPem = null;
        var clientAuth = ClientAuthType.NoClientCert;
        SslProtocols min = SslProtocols.Tls12, max = SslProtocols.Tls13;
        var ciphers = new List<TlsCipherSuite>();
        bool any = false, certGiven = false, keyGiven = false;
        int errors = r.Errors.Count;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "cert_file":
                    certFile = r.ExistingFile(e);
                    any = certGiven = true;
                    break;
                case "key_file":
                    keyFile = r.ExistingFile(e);
                    any = keyGiven = true;
                    break;
                case "cert":
                    certPem = r.String(e);
                    any = certGiven = true;
                    break;
                case "key":
                    keyPem = r.String(e);
                    any = keyGiven = true;
                    break;
                case "client_ca_file":
                    caFile = r.ExistingFile(e);
                    any = true;
                    break;
                case "client_ca":
                    caPem = r.String(e);
                    any = true;
                    break;
                case "client_auth_type":
                    string? type = r.String(e);
                    any = true;
                    // Note: RequireClientCert is the toolkit's old spelling of RequireAnyClientCert.
                    if (type is "RequireClientCert")
                    {
                        clientAuth = ClientAuthType.RequireAnyClientCert;
                    }
                    else if (type is null or "")
                    {
                        clientAuth = ClientAuthType.NoClientCert;
                    }
                    else if (!Enum.TryParse(type, ignoreCase: false, out clientAuth) || int.TryParse(type, CultureInfo.InvariantCulture, out _))
                    {
                        r.Invalid(e, $"expected one of {string.Join(", ", Enum.GetNames<ClientAuthType>())}, got \"{type}\"");
                    }
                    break;
                case "min_version":
                    min = Version(r, e) ?? min;
                    break;
                case "max_version":
                    max = Version(r, e) ?? max;
                    break;
                case "cipher_suites":
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        string? name = r.ScalarItem(node, where, "a cipher suite name");
                        if (name is null)
                        {
                            continue;
                        }
                        if (!name.StartsWith("TLS_", StringComparison.Ordinal) || !Enum.TryParse<TlsCipherSuite>(name, ignoreCase: false, out var suite))
                        {
                            r.Error(node, $"unknown cipher: {name}");
                            continue;
                        }
                        ciphers.Add(suite);
                    }
                    break;
                case "prefer_server_cipher_suites":
                    // Note: accepted for compatibility; the TLS library here always uses its own order.
                    r.Bool(e);
                    break;
                case "client_allowed_sans" or "curve_preferences":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (!any)
        {
            return null;
        }
        if (!certGiven)
        {
            r.Error(section.KeyNode, $"{section.Path}: missing one of cert or cert_file");
        }
        if (!keyGiven)
        {
            r.Error(section.KeyNode, $"{section.Path}: missing one of key or key_file");
        }
        if ((caFile is not null || !string.IsNullOrEmpty(caPem)) && clientAuth == ClientAuthType.NoClientCert)
        {
            r.Error(section.KeyNode, $"{section.Path}: client CAs have been configured without a client_auth_type");
        }
        if (clientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert && caFile is null && string.IsNullOrEmpty(caPem))
        {
            r.Error(section.KeyNode, $"{section.Path}: client_auth_type {clientAuth} needs client_ca_file (or client_ca) to verify client certificates against");
        }
        if (max < min)
        {
            r.Error(section.KeyNode, $"{section.Path}: max_version is lower than min_version");
        }
        var config = new WebTlsConfig
        {
            CertFile = certFile,
            KeyFile = keyFile,
            CertPem = certFile is null ? certPem : null,
            KeyPem = keyFile is null ? keyPem : null,
            ClientCaFile = caFile,
            ClientCaPem = caFile is null ? caPem : null,
            ClientAuth = clientAuth,
            Protocols = Range(min, max),
            CipherSuites = ciphers,
        };
        if (r.Errors.Count == errors)
        {
            // Note: like the toolkit, the certificate and key must load now, so a bad pair fails at start or reload.
            try
            {
                using var material = TlsMaterial.Load(config);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                r.Error(section.KeyNode, $"{section.Path}: cannot load the certificate and key: {e.Message}");
            }
        }
        return config;
    }

    private static SslProtocols? Version(ConfigReader r, ConfigEntry e)
    {
        switch (r.String(e))
        {
            case null:
                return null;
            case "TLS10":
#pragma warning disable SYSLIB0039 // Note: offered only when the file asks for it, as the toolkit allows.
                return SslProtocols.Tls;
            case "TLS11":
                return SslProtocols.Tls11;
#pragma warning restore SYSLIB0039
            case "TLS12":
                return SslProtocols.Tls12;
            case "TLS13":
                return SslProtocols.Tls13;
            case var other:
                r.Invalid(e, $"unknown TLS version: {other} (expected TLS10, TLS11, TLS12 or TLS13)");
                return null;
        }
    }

    private static SslProtocols Range(SslProtocols min, SslProtocols max)
    {
#pragma warning disable SYSLIB0039
        SslProtocols[] ordered = [SslProtocols.Tls, SslProtocols.Tls11, SslProtocols.Tls12, SslProtocols.Tls13];
#pragma warning restore SYSLIB0039
        var result = SslProtocols.None;
        foreach (var p in ordered)
        {
            if (p >= min && p <= max)
            {
                result |= p;
            }
        }
        return result;
    }
}
