using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// A <see cref="VigilServer"/> on 127.0.0.1 with a web configuration written to a temporary directory: a throw-away CA
/// and server certificate (real TLS), basic-auth users with bcrypt hashes and bearer token files.
/// </summary>
internal sealed class SecureVigil : IAsyncDisposable
{
    /// <summary>Users, passwords and the scopes given in <c>vigil_user_scopes</c> (null: not listed, so every scope).</summary>
    public static readonly (string User, string Password, string? Scope)[] Users =
    [
        ("alice", "alice-secret", null),
        ("reader", "reader-secret", "read"),
        ("pusher", "pusher-secret", "write"),
    ];

    /// <summary>One bearer token per scope.</summary>
    public static readonly (string Name, string Token, string Scope)[] Tokens =
    [
        ("dash", "read-token-0123456789abcdef", "read"),
        ("ci", "write-token-0123456789abcdef", "write"),
        ("ops", "admin-token-0123456789abcdef", "admin"),
    ];

    private SecureVigil(string directory, TestCertificates certificates, VigilServer server, IStorage storage)
    {
        Directory = directory;
        Certificates = certificates;
        Server = server;
        Storage = storage;
    }

    public string Directory { get; }

    public TestCertificates Certificates { get; }

    public VigilServer Server { get; }

    public IStorage Storage { get; }

    public string WebConfigFile => Path.Combine(Directory, "web.yml");

    /// <summary>https://127.0.0.1:PORT/</summary>
    public Uri BaseAddress => Server.BaseAddress;

    /// <summary>The web configuration with TLS, every user and every token.</summary>
    public static string WebConfig(bool tls = true, string extra = "")
    {
        var sb = new StringBuilder();
        if (tls)
        {
            sb.AppendLine("tls_server_config:\n  cert_file: server.pem\n  key_file: server-key.pem");
        }
        sb.AppendLine("basic_auth_users:");
        foreach (var (user, password, _) in Users)
        {
            // Note: cost 4 keeps the tests fast; the server reads any cost.
            sb.AppendLine($"  {user}: {BCrypt.Net.BCrypt.HashPassword(password, 4)}");
        }
        sb.AppendLine("vigil_user_scopes:");
        foreach (var (user, _, scope) in Users.Where(u => u.Scope is not null))
        {
            sb.AppendLine($"  {user}: {scope}");
        }
        sb.AppendLine("bearer_tokens:");
        foreach (var (name, _, scope) in Tokens)
        {
            sb.AppendLine($"  - {{ file: {name}.token, scope: {scope} }}");
        }
        sb.Append(extra);
        return sb.ToString();
    }

    public static async Task<SecureVigil> StartAsync(IStorage storage, string? webConfig = null, Func<VigilServerOptions, VigilServerOptions>? configure = null)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("vigil-secure-").FullName;
        var certs = new TestCertificates();
        await File.WriteAllTextAsync(Path.Combine(dir, "server.pem"), certs.Server.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(dir, "server-key.pem"), certs.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        foreach (var (name, token, _) in Tokens)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, name + ".token"), token + "\n");
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "web.yml"), webConfig ?? WebConfig());
        var options = new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectionInterval = TimeSpan.FromHours(1),
            CollectHost = false,
            WebConfigFile = Path.Combine(dir, "web.yml"),
        };
        var server = new VigilServer(configure?.Invoke(options) ?? options, storage);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            certs.Dispose();
            System.IO.Directory.Delete(dir, recursive: true);
            throw;
        }
        return new SecureVigil(dir, certs, server, storage);
    }

    /// <summary>A client that trusts the test CA; <paramref name="credentials"/> is <c>user:password</c>, a token, or null.</summary>
    public HttpClient Client(string? credentials = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => TrustedByTestCa(cert, errors);
        var http = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (credentials is not null)
        {
            http.DefaultRequestHeaders.Authorization = credentials.Contains(':', StringComparison.Ordinal)
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)))
                : new AuthenticationHeaderValue("Bearer", credentials);
        }
        return http;
    }

    private bool TrustedByTestCa(X509Certificate? cert, SslPolicyErrors errors)
    {
        if (cert is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(Certificates.CaFile));
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Certificates.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
