using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Vigil.Sdk.Exposition;

/// <summary>How to trust an https Vigil server: a CA file (for a private CA or a self-signed certificate), or no check at all.</summary>
public sealed class VigilTlsOptions
{
    /// <summary>A PEM file of CA certificates the server's certificate must chain to (instead of the system's trust store).</summary>
    public string? CaFile { get; init; }

    /// <summary>Accept any server certificate (tests only: anyone on the path can read and change the traffic).</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>A handler that checks server certificates as these options say; the caller owns it.</summary>
    public HttpMessageHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (InsecureSkipVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (CaFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(CaFile);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"{CaFile} holds no PEM certificate");
            }
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                // Note: the host name must still match; only the chain is judged against the given CAs.
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                using var cert = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return chain.Build(cert);
            };
        }
        return handler;
    }
}
