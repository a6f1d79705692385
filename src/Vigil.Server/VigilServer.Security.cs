using System.Net.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Vigil.Server.Security;

namespace Vigil.Server;

/// <summary>
/// TLS and authentication from the web configuration file, and the rule that a listener beyond loopback needs
/// authentication (or <c>--web.insecure-listen</c>).
/// </summary>
public sealed partial class VigilServer
{
    private WebAccess? _access;

    /// <summary>The flag that names the web configuration file, for messages.</summary>
    internal const string WebConfigFlag = "--web.config.file";

    /// <summary>
    /// Reads the web configuration and applies the listening rule. Throws <see cref="Vigil.Core.Config.ConfigException"/> for an
    /// invalid file and <see cref="InsecureListenException"/> for a listener beyond loopback without authentication.
    /// </summary>
    private WebAccess LoadWebAccess()
    {
        var access = WebAccess.Load(_options.WebConfigFile, _loggerFactory.CreateLogger("Vigil.Server.Web"), _clock);
        var config = access.Current();
        bool beyondLoopback = !_options.Listen.IsLoopback || _options.OtlpGrpcListen is { IsLoopback: false };
        if (beyondLoopback && !config.RequiresAuthentication)
        {
            if (!_options.InsecureListen)
            {
                var where = _options.Listen.IsLoopback ? _options.OtlpGrpcListen! : _options.Listen;
                throw new InsecureListenException(
                    $"refusing to listen on {where} without authentication: anyone who can reach it could read, push, reload and approve optimizations. " +
                    $"Give {WebConfigFlag} FILE with basic_auth_users or bearer_tokens (see docs/SECURITY.md), listen on 127.0.0.1, " +
                    "or pass --web.insecure-listen to serve everyone anyway");
            }
            _logger.LogWarning("{Warning}", SecurityStatusApi.Warning(_options, config));
        }
        if (_options.WebConfigFile is not null)
        {
            _logger.LogInformation("Web configuration {File}: {Summary}", Path.GetFullPath(_options.WebConfigFile), WebAccess.Describe(config));
        }
        return access;
    }

    /// <summary>Sets up the OTLP/gRPC listener: HTTP/2 only (cleartext with prior knowledge, or TLS with ALPN h2).</summary>
    private static void ConfigureGrpcListener(ListenOptions listen, WebAccess access)
    {
        listen.Protocols = HttpProtocols.Http2;
        if (access.Current().Tls is null)
        {
            return;
        }
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(access.ServerOptions([SslApplicationProtocol.Http2])),
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
    }

    /// <summary>Sets up one Kestrel listener: HTTPS with per-handshake settings when the web configuration has TLS.</summary>
    private void ConfigureListener(ListenOptions listen, WebAccess access)
    {
        var config = access.Current();
        if (config.Tls is null)
        {
            return;
        }
        // Note: whether TLS and HTTP/2 are on is fixed at start, as in the exporter-toolkit; certificates, client-CA
        // policy, versions and ciphers are read again for each handshake, so a renewed certificate needs no restart.
        listen.Protocols = config.Http2 ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
        SslApplicationProtocol[] alpn = config.Http2 ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11] : [SslApplicationProtocol.Http11];
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(access.ServerOptions(alpn)),
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
    }
}
