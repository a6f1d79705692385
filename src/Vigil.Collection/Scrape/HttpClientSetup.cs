using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vigil.Collection.Scrape;

/// <summary>The HTTP client settings shared by scrapes and remote-write: TLS (<c>tls_config</c>) and authentication (<c>basic_auth</c>, <c>authorization</c>).</summary>
internal static class HttpClientSetup
{
    /// <summary>Adds basic authentication or the <c>Authorization</c> header; secret files are read at every call.</summary>
    /// <exception cref="ScrapeException">A secret file cannot be read.</exception>
    public static void AddAuthorization(HttpRequestMessage request, BasicAuthConfig? basicAuth, AuthorizationConfig? authorization)
    {
        if (basicAuth is { } basic)
        {
            string user = basic.UsernameFile is { } uf ? ReadSecret(uf) : basic.Username;
            string password = basic.PasswordFile is { } pf ? ReadSecret(pf) : basic.Password ?? string.Empty;
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        }
        else if (authorization is { } auth)
        {
            string credentials = auth.CredentialsFile is { } cf ? ReadSecret(cf) : auth.Credentials ?? string.Empty;
            request.Headers.TryAddWithoutValidation("Authorization", auth.Type + " " + credentials);
        }
    }

    private static string ReadSecret(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScrapeException($"cannot read secret file \"{path}\": {e.Message}");
        }
    }

    /// <summary>Applies <paramref name="tls"/> to <paramref name="handler"/>; verification failures are kept per host name in <paramref name="tlsFailures"/>.</summary>
    /// <exception cref="CryptographicException">The CA or client certificate files hold no usable certificate.</exception>
    public static void ApplyTls(SocketsHttpHandler handler, TlsConfig tls, ConcurrentDictionary<string, string> tlsFailures)
    {
        if (tls == TlsConfig.None)
        {
            return;
        }
        X509Certificate2Collection? roots = null;
        if (tls.CaFile is { } caFile)
        {
            roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            if (roots.Count == 0)
            {
                throw new CryptographicException($"no certificates found in ca_file \"{caFile}\"");
            }
        }
        var options = new SslClientAuthenticationOptions();
        if (tls.CertFile is { } certFile && tls.KeyFile is { } keyFile)
        {
            using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            // Note: on Linux a PEM key is ephemeral; exporting to PKCS#12 gives SslStream a persisted key to sign with.
            options.ClientCertificates = [X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)];
        }
        string? serverName = tls.ServerName;
        bool insecure = tls.InsecureSkipVerify;
        options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            if (insecure)
            {
                return true;
            }
            string? reason = Verify(certificate, chain, errors, roots, serverName);
            if (reason is not null && sender is SslStream { TargetHostName: { Length: > 0 } host })
            {
                tlsFailures[host] = reason;
            }
            return reason is null;
        };
        handler.SslOptions = options;
    }

    /// <summary>Checks the target's certificate against the custom roots (or the system store) and the expected name; null when valid.</summary>
    private static string? Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection? roots, string? serverName)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the target presented no certificate";
        }
        var cert = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (roots is not null)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
            if (!chain.Build(cert))
            {
                string status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                return "certificate signed by unknown authority (not trusted by ca_file)" + (status.Length > 0 ? ": " + status : string.Empty);
            }
        }
        else if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            return "certificate signed by unknown authority (set tls_config.ca_file, or insecure_skip_verify)";
        }
        if (serverName is not null)
        {
            if (!cert.MatchesHostname(serverName))
            {
                return $"certificate is not valid for server_name \"{serverName}\" (it is for {cert.GetNameInfo(X509NameType.DnsName, false)})";
            }
        }
        else if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"certificate is not valid for the target's host (it is for {cert.GetNameInfo(X509NameType.DnsName, false)}); set tls_config.server_name";
        }
        return null;
    }

}
