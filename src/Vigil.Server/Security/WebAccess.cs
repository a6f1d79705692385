using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Core.Config;

namespace Vigil.Server.Security;

/// <summary>
/// The web configuration in force and what follows from it: who a request comes from (basic auth, bearer token,
/// client certificate) and with which scope, the TLS settings of each handshake, and the rate limit. The file and the
/// files it names (tokens, certificates) are re-read when they change, checked at most once per
/// <see cref="CheckInterval"/> as requests and handshakes arrive; an invalid new version is logged and the previous
/// one stays in force.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class WebAccess
{
    /// <summary>The cookie the dashboard's sign-in form sets; it holds a bearer token.</summary>
    public const string TokenCookie = "vigil_token";

    private readonly string? _path;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly BasicAuthVerifier _basic = new();
    private readonly object _reloadLock = new();
    private volatile State _state;
    private long _nextCheck;
    private volatile TlsState? _tls;

    private WebAccess(string? path, WebConfig config, ILogger logger, TimeProvider clock)
    {
        _path = path;
        _logger = logger;
        _clock = clock;
        _state = new State(config, Stamps(path, config), config.RateLimit is { } rl ? new TokenBucket(rl, clock) : null);
        _nextCheck = clock.GetTimestamp();
    }

    /// <summary>How often the files are checked for changes.</summary>
    public static TimeSpan CheckInterval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The file, or null when the server runs without one.</summary>
    public string? Path => _path;

    /// <summary>Whether the last attempt to re-read the file succeeded.</summary>
    public bool LastReloadSuccessful { get; private set; } = true;

    /// <summary>Reads <paramref name="path"/> (null: no web configuration); throws <see cref="ConfigException"/> when it is invalid.</summary>
    public static WebAccess Load(string? path, ILogger logger, TimeProvider clock)
        => new(path, path is null ? WebConfig.None : WebConfigParser.Load(path), logger, clock);

    /// <summary>The configuration in force, re-read first when a file changed.</summary>
    public WebConfig Current()
    {
        Refresh();
        return _state.Config;
    }

    /// <summary>False when the request exceeds the rate limit.</summary>
    public bool TryAcquire() => _state.Limiter?.TryTake() ?? true;

    /// <summary>
    /// Who sent <paramref name="request"/> according to <paramref name="config"/>: the basic-auth user or the bearer
    /// token (header, or the dashboard's cookie), or the verified client certificate; null without valid credentials.
    /// Without authentication configured every caller is an anonymous admin.
    /// </summary>
    public Caller? Authenticate(HttpRequest request, WebConfig config)
    {
        if (!config.RequiresAuthentication)
        {
            return Caller.Anonymous;
        }
        if (!config.UsesCredentials)
        {
            // Note: the handshake already refused connections without a certificate that chains to the client CA.
            var cert = request.HttpContext.Connection.ClientCertificate;
            return cert is null ? null : new Caller(cert.Subject, AccessScope.Admin, "client certificate");
        }
        string header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return Basic(header.AsSpan(6).Trim(), config);
        }
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Token(header.AsSpan(7).Trim(), config);
        }
        if (header.Length == 0 && request.Cookies[TokenCookie] is { Length: > 0 } cookie)
        {
            return Token(cookie, config);
        }
        return null;
    }

    /// <summary>The caller a bearer token stands for, or null; compares digests in constant time against every token.</summary>
    public static Caller? Token(ReadOnlySpan<char> token, WebConfig config)
    {
        if (token.IsEmpty)
        {
            return null;
        }
        Span<byte> digest = stackalloc byte[32];
        byte[] bytes = Encoding.UTF8.GetBytes(token.ToArray());
        SHA256.HashData(bytes, digest);
        CryptographicOperations.ZeroMemory(bytes);
        BearerToken? match = null;
        foreach (var t in config.BearerTokens)
        {
            // Note: no early exit, so the time taken does not tell which token (if any) matched.
            if (CryptographicOperations.FixedTimeEquals(digest, t.Sha256))
            {
                match ??= t;
            }
        }
        return match is null ? null : new Caller(match.Name, match.Scope, "bearer token");
    }

    private Caller? Basic(ReadOnlySpan<char> encoded, WebConfig config)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded.ToString()));
        }
        catch (FormatException)
        {
            return null;
        }
        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }
        string user = decoded[..colon];
        if (!_basic.Verify(user, decoded[(colon + 1)..], config.Users))
        {
            return null;
        }
        return new Caller(user, config.UserScopes.TryGetValue(user, out var scope) ? scope : AccessScope.Admin, "basic auth");
    }

    /// <summary>The TLS settings for one handshake: the current certificate (re-read when its files changed) and client-certificate policy.</summary>
    public SslServerAuthenticationOptions ServerOptions(IReadOnlyList<SslApplicationProtocol> protocols)
    {
        var config = Current();
        var tls = config.Tls ?? throw new InvalidOperationException("TLS was turned off in the web configuration; restart Vigil to serve plain HTTP");
        var material = Material(tls);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = material.Context,
            EnabledSslProtocols = tls.Protocols,
            ClientCertificateRequired = tls.ClientAuth != ClientAuthType.NoClientCert,
            CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, cert, _, _) => material.AcceptsClient(tls.ClientAuth, cert),
            ApplicationProtocols = [.. protocols],
        };
        if (tls.CipherSuites.Count > 0 && !OperatingSystem.IsWindows())
        {
            // Note: cipher_suites limit TLS 1.2 and lower, as in Go; TLS 1.3's suites stay available.
            TlsCipherSuite[] tls13 = [TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256];
            options.CipherSuitesPolicy = new CipherSuitesPolicy(tls.CipherSuites.Concat(tls13).Distinct());
        }
        return options;
    }

    private TlsMaterial Material(WebTlsConfig tls)
    {
        var stamps = Stamps(tls);
        var cached = _tls;
        if (cached is not null && ReferenceEquals(cached.Config, tls) && cached.Stamps.SequenceEqual(stamps))
        {
            return cached.Material;
        }
        try
        {
            var material = TlsMaterial.Load(tls);
            // Note: the previous material may still serve a handshake in progress; the collector frees it.
            _tls = new TlsState(tls, stamps, material);
            return material;
        }
        catch (Exception e) when (cached is not null && e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            _logger.LogError("Cannot load the TLS certificate of {File}, keeping the previous one: {Error}", _path, e.Message);
            return cached.Material;
        }
    }

    private void Refresh()
    {
        if (_path is null)
        {
            return;
        }
        long now = _clock.GetTimestamp();
        long next = Interlocked.Read(ref _nextCheck);
        if (now < next || Interlocked.CompareExchange(ref _nextCheck, now + (long)(CheckInterval.TotalSeconds * _clock.TimestampFrequency), next) != next)
        {
            return;
        }
        lock (_reloadLock)
        {
            var state = _state;
            var stamps = Stamps(_path, state.Config);
            if (stamps.SequenceEqual(state.Stamps))
            {
                return;
            }
            try
            {
                var config = WebConfigParser.Load(_path);
                _state = new State(config, Stamps(_path, config), config.RateLimit is { } rl ? new TokenBucket(rl, _clock) : null);
                LastReloadSuccessful = true;
                _logger.LogInformation("Reloaded the web configuration {File}: {Summary}", _path, Describe(config));
            }
            catch (ConfigException e)
            {
                // Note: remember the broken version so it is not re-read on every check; the old settings stay.
                _state = state with { Stamps = stamps };
                LastReloadSuccessful = false;
                _logger.LogError("The web configuration {File} is invalid; the previous one stays in force:\n{Errors}", _path, string.Join('\n', e.Errors));
            }
        }
    }

    /// <summary>One line for the log: TLS on or off and the authentication methods.</summary>
    public static string Describe(WebConfig config)
    {
        var parts = new List<string> { config.Tls is null ? "TLS off" : "TLS on" };
        if (config.Users.Count > 0)
        {
            parts.Add($"{config.Users.Count} basic-auth user(s)");
        }
        if (config.BearerTokens.Count > 0)
        {
            parts.Add($"{config.BearerTokens.Count} bearer token(s)");
        }
        if (config.VerifiesClientCertificates)
        {
            parts.Add("client certificates verified");
        }
        if (!config.RequiresAuthentication)
        {
            parts.Add("no authentication");
        }
        return string.Join(", ", parts);
    }

    private static List<(string, DateTime, long)> Stamps(string? path, WebConfig config)
    {
        var files = new List<string>();
        if (path is not null)
        {
            files.Add(path);
        }
        files.AddRange(config.Files);
        return files.Select(Stamp).ToList();
    }

    private static List<(string, DateTime, long)> Stamps(WebTlsConfig tls)
        => new[] { tls.CertFile, tls.KeyFile, tls.ClientCaFile }.OfType<string>().Select(Stamp).ToList();

    private static (string, DateTime, long) Stamp(string file)
    {
        var info = new FileInfo(file);
        return info.Exists ? (file, info.LastWriteTimeUtc, info.Length) : (file, DateTime.MinValue, -1);
    }

    private sealed record State(WebConfig Config, List<(string, DateTime, long)> Stamps, TokenBucket? Limiter);

    private sealed record TlsState(WebTlsConfig Config, List<(string, DateTime, long)> Stamps, TlsMaterial Material);
}
