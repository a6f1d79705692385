using System.Security.Authentication;

namespace Vigil.Server.Security;

/// <summary>
/// The web configuration file (<c>--web.config.file</c>) in the Prometheus exporter-toolkit format, plus Vigil's
/// extensions <c>vigil_user_scopes</c> and <c>bearer_tokens</c>: TLS, response headers, basic-auth users with bcrypt
/// hashes, bearer tokens read from files, and a request rate limit.
/// </summary>
internal sealed record WebConfig
{
    /// <summary>No file: plain HTTP, no authentication.</summary>
    public static WebConfig None { get; } = new();

    /// <summary>The file this was read from; null for <see cref="None"/>.</summary>
    public string? SourcePath { get; init; }

    /// <summary>TLS settings (<c>tls_server_config</c>); null serves plain HTTP.</summary>
    public WebTlsConfig? Tls { get; init; }

    /// <summary>Whether HTTP/2 is offered over TLS (<c>http_server_config.http2</c>, true by default; read at start only).</summary>
    public bool Http2 { get; init; } = true;

    /// <summary>Headers added to every response (<c>http_server_config.headers</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Basic-auth users and their bcrypt hashes (<c>basic_auth_users</c>).</summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The scope of each basic-auth user (<c>vigil_user_scopes</c>); a user not listed has every scope.</summary>
    public IReadOnlyDictionary<string, AccessScope> UserScopes { get; init; } = new Dictionary<string, AccessScope>(StringComparer.Ordinal);

    /// <summary>Bearer tokens read from files (<c>bearer_tokens</c>).</summary>
    public IReadOnlyList<BearerToken> BearerTokens { get; init; } = [];

    /// <summary>The request rate limit (<c>rate_limit</c>); null when there is none.</summary>
    public WebRateLimit? RateLimit { get; init; }

    /// <summary>Every file the configuration was read from (itself, token files); a change to any reloads it.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>True when callers must authenticate: users, tokens, or verified client certificates.</summary>
    public bool RequiresAuthentication => Users.Count > 0 || BearerTokens.Count > 0 || VerifiesClientCertificates;

    /// <summary>True when every connection must present a client certificate that chains to the client CA.</summary>
    public bool VerifiesClientCertificates => Tls is { ClientAuth: ClientAuthType.RequireAndVerifyClientCert };

    /// <summary>True when credentials travel in the Authorization header (users or tokens configured).</summary>
    public bool UsesCredentials => Users.Count > 0 || BearerTokens.Count > 0;
}

/// <summary>One bearer token: who it is (for logs and the audit trail), its scope, and the SHA-256 of the token.</summary>
/// <param name="Name">The name shown for requests made with it (the <c>name</c> key, else the file name).</param>
/// <param name="Scope">What the token may do.</param>
/// <param name="Sha256">The SHA-256 digest of the token; the token itself is not kept.</param>
/// <param name="File">The file it was read from.</param>
internal sealed record BearerToken(string Name, AccessScope Scope, byte[] Sha256, string File);

/// <summary>A token bucket: one request per <paramref name="Interval"/>, bursts of <paramref name="Burst"/>.</summary>
internal sealed record WebRateLimit(TimeSpan Interval, int Burst);

/// <summary>How the server asks for and checks client certificates, named as Go's <c>crypto/tls</c> names them.</summary>
internal enum ClientAuthType
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// <summary>The <c>tls_server_config</c> section.</summary>
internal sealed record WebTlsConfig
{
    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>An inline PEM certificate (<c>cert</c>) instead of <see cref="CertFile"/>.</summary>
    public string? CertPem { get; init; }

    /// <summary>An inline PEM key (<c>key</c>) instead of <see cref="KeyFile"/>.</summary>
    public string? KeyPem { get; init; }

    public string? ClientCaFile { get; init; }

    /// <summary>Inline PEM client CAs (<c>client_ca</c>) instead of <see cref="ClientCaFile"/>.</summary>
    public string? ClientCaPem { get; init; }

    public ClientAuthType ClientAuth { get; init; } = ClientAuthType.NoClientCert;

    /// <summary>The allowed protocol versions (from <c>min_version</c> to <c>max_version</c>; TLS 1.2 and 1.3 by default).</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>Cipher suites for TLS 1.2 and lower (<c>cipher_suites</c>); empty leaves the system's defaults.</summary>
    public IReadOnlyList<System.Net.Security.TlsCipherSuite> CipherSuites { get; init; } = [];
}
