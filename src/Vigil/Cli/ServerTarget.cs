using Vigil.Sdk.Exposition;

namespace Vigil.Cli;

/// <summary>A running server a command talks to: its URL, the credentials to send, and how to trust its TLS certificate.</summary>
internal sealed record ServerTarget(Uri Url, VigilServerCredentials? Credentials, VigilTlsOptions Tls)
{
    /// <summary>An HTTP client for the server: base address, TLS trust and the Authorization header set.</summary>
    public HttpClient CreateClient(TimeSpan timeout)
    {
        HttpMessageHandler handler;
        try
        {
            handler = Tls.CreateHandler();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException($"cannot use --tls-ca {Tls.CaFile}: {e.Message}");
        }
        var http = new HttpClient(handler, disposeHandler: true) { BaseAddress = Url, Timeout = timeout };
        if (Credentials is not null)
        {
            http.DefaultRequestHeaders.Authorization = Credentials.ToHeader();
        }
        return http;
    }

    /// <summary>What to do after a 401 or 403, for error messages.</summary>
    public string AuthHint(int status) => status switch
    {
        401 when Credentials is null => $" (the server needs credentials: give --auth-file FILE or set {ServerAuthOptions.TokenVariable})",
        401 => $" (the server refused the {Credentials!.Description} given)",
        403 when Credentials is not null => $" (the {Credentials.Description} given lacks the scope this needs)",
        _ => string.Empty,
    };
}
