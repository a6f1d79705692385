using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vigil.Core.Model;

namespace Vigil.Collection.Collectors.Probe;

/// <summary>One configured probe: runs it, keeps the latest result and the cumulative latency histogram, and writes them with blackbox_exporter's names.</summary>
/// <remarks>Refreshes are serialized by the poller; <see cref="Write"/> reads under a lock and may run during a refresh.</remarks>
internal sealed class ProbeTarget : IPolledTarget
{
    /// <summary>Prometheus's default histogram buckets, in seconds.</summary>
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ProbeCollectorOptions _options;
    private readonly TargetErrorLog _errors;
    private readonly X509Certificate2Collection? _trustedRoots;
    private readonly double[] _bounds;
    private readonly string[] _les;
    private readonly long[] _bucketCounts;
    private readonly object _lock = new();
    private double _sum;
    private long _count;
    private ProbeResult? _last;

    public ProbeTarget(ProbeCollectorOptions options, TargetErrorLog errors, X509Certificate2Collection? trustedRoots)
    {
        _options = options;
        _errors = errors;
        _trustedRoots = trustedRoots;
        _bounds = options.Buckets.Count == 0 ? DefaultBuckets : [.. options.Buckets.Distinct().Order()];
        _les = new string[_bounds.Length + 1];
        for (int i = 0; i < _bounds.Length; i++)
        {
            _les[i] = _bounds[i].ToString("R", CultureInfo.InvariantCulture);
        }
        _les[^1] = "+Inf";
        _bucketCounts = new long[_bounds.Length + 1];
        Module = options.Module;
        Target = options.Target;
    }

    /// <summary><c>tcp</c>, <c>http</c> or <c>dns</c>: the <c>module</c> label.</summary>
    public string Module { get; }

    /// <summary>The configured address, URL or name: the <c>target</c> label.</summary>
    public string Target { get; }

    /// <inheritdoc />
    public string Name => Module + " " + Target;

    /// <inheritdoc />
    public TimeSpan Interval => _options.Interval;

    /// <inheritdoc />
    public TimeSpan Timeout => _options.Timeout;

    /// <summary>The latest result, or null before the first probe finished (tests read it for the error text).</summary>
    public ProbeResult? Last
    {
        get
        {
            lock (_lock)
            {
                return _last;
            }
        }
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var result = new ProbeResult();
        long start = Stopwatch.GetTimestamp();
        try
        {
            switch (Module)
            {
                case "tcp":
                    await ProbeTcpAsync(result, cancellationToken).ConfigureAwait(false);
                    break;
                case "http":
                    await ProbeHttpAsync(result, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await ProbeDnsAsync(result, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.Success = false;
            result.Error = $"timed out after {PrometheusDuration.Format(Timeout)}";
        }
        catch (Exception e) when (e is SocketException or HttpRequestException or IOException or AuthenticationException or TimeoutException)
        {
            result.Success = false;
            result.Error = Describe(e);
        }
        result.DurationSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        lock (_lock)
        {
            if (result.Success)
            {
                int idx = Array.BinarySearch(_bounds, result.DurationSeconds);
                _bucketCounts[idx >= 0 ? idx : ~idx]++;
                _sum += result.DurationSeconds;
                _count++;
            }
            _last = result;
        }
        if (result.Success)
        {
            _errors.Succeeded(Name);
        }
        else
        {
            _errors.Failed(Name, result.Error ?? "probe failed");
        }
    }

    /// <inheritdoc />
    public void Write(SampleWriter writer)
    {
        lock (_lock)
        {
            var r = _last;
            if (r is null)
            {
                return;
            }
            writer.Add("probe_success", r.Success ? 1 : 0, "module", Module, "target", Target);
            long cumulative = 0;
            for (int i = 0; i < _bucketCounts.Length; i++)
            {
                cumulative += _bucketCounts[i];
                writer.Add("probe_duration_seconds_bucket", cumulative, "le", _les[i], "module", Module, "target", Target);
            }
            writer.Add("probe_duration_seconds_sum", _sum, "module", Module, "target", Target);
            writer.Add("probe_duration_seconds_count", _count, "module", Module, "target", Target);
            if (r.DnsLookupSeconds is double dns)
            {
                writer.Add("probe_dns_lookup_time_seconds", dns, "module", Module, "target", Target);
            }
            if (r.IpProtocol is int ip)
            {
                writer.Add("probe_ip_protocol", ip, "module", Module, "target", Target);
            }
            if (Module == "http")
            {
                writer.Add("probe_http_status_code", r.StatusCode, "module", Module, "target", Target);
                writer.Add("probe_http_ssl", r.Ssl ? 1 : 0, "module", Module, "target", Target);
                if (r.ContentLength is long length)
                {
                    writer.Add("probe_http_content_length", length, "module", Module, "target", Target);
                }
            }
            if (r.CertificateExpiry is DateTimeOffset expiry)
            {
                writer.Add("probe_ssl_earliest_cert_expiry", expiry.ToUnixTimeSeconds(), "module", Module, "target", Target);
            }
            if (r.AnswerCount is int answers)
            {
                writer.Add("probe_dns_answer_rrs", answers, "module", Module, "target", Target);
            }
        }
    }

    private async Task ProbeTcpAsync(ProbeResult result, CancellationToken ct)
    {
        ProbeCollectorOptions.TryParseHostPort(Target, out string host, out int port);
        var addresses = await ResolveAsync(host, result, ct).ConfigureAwait(false);
        using var socket = await ConnectAsync(addresses, port, result, ct).ConfigureAwait(false);
        result.Success = true;
    }

    private async Task ProbeDnsAsync(ProbeResult result, CancellationToken ct)
    {
        var addresses = await ResolveAsync(Target, result, ct).ConfigureAwait(false);
        result.AnswerCount = addresses.Length;
        result.Success = true;
    }

    private async Task ProbeHttpAsync(ProbeResult result, CancellationToken ct)
    {
        // Note: a new handler per probe, so every probe measures a fresh connection and sees the current certificate.
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = async (context, token) =>
            {
                var addresses = await ResolveAsync(context.DnsEndPoint.Host, result, token).ConfigureAwait(false);
                var socket = await ConnectAsync(addresses, context.DnsEndPoint.Port, result, token).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateCertificate(result, certificate, chain, errors),
            },
        };
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, Target);
        request.Headers.UserAgent.ParseAdd("Vigil-Probe/1.0");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        result.StatusCode = (int)response.StatusCode;
        result.Ssl = response.RequestMessage?.RequestUri?.Scheme == Uri.UriSchemeHttps;
        result.ContentLength = response.Content.Headers.ContentLength ?? -1;
        await response.Content.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
        bool valid = _options.ValidStatusCodes.Count == 0
            ? result.StatusCode is >= 200 and < 300
            : _options.ValidStatusCodes.Contains(result.StatusCode);
        result.Success = valid;
        if (!valid)
        {
            result.Error = $"HTTP status {result.StatusCode.ToString(CultureInfo.InvariantCulture)} is not a valid status code";
        }
    }

    private bool ValidateCertificate(ProbeResult result, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is not null)
        {
            var earliest = certificate is X509Certificate2 c2 ? new DateTimeOffset(c2.NotAfter.ToUniversalTime()) : DateTimeOffset.MaxValue;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                {
                    var notAfter = new DateTimeOffset(element.Certificate.NotAfter.ToUniversalTime());
                    if (notAfter < earliest)
                    {
                        earliest = notAfter;
                    }
                }
            }
            if (earliest != DateTimeOffset.MaxValue && (result.CertificateExpiry is null || earliest < result.CertificateExpiry))
            {
                result.CertificateExpiry = earliest;
            }
        }
        if (_options.InsecureSkipVerify || errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (_trustedRoots is null || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trustedRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return custom.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, ProbeResult result, CancellationToken ct)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            result.DnsLookupSeconds ??= 0;
            return [literal];
        }
        long start = Stopwatch.GetTimestamp();
        IPAddress[] addresses;
        try
        {
            addresses = await System.Net.Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        }
        finally
        {
            result.DnsLookupSeconds = (result.DnsLookupSeconds ?? 0) + Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound, $"{host} resolved to no address");
        }
        return addresses;
    }

    private static async Task<Socket> ConnectAsync(IPAddress[] addresses, int port, ProbeResult result, CancellationToken ct)
    {
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct).ConfigureAwait(false);
                result.IpProtocol = address.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = new SocketException(e.ErrorCode, $"connect to {FormatEndPoint(address, port)}: {e.Message}");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static string FormatEndPoint(IPAddress address, int port)
        => new IPEndPoint(address, port).ToString();

    private static string Describe(Exception e)
    {
        var sb = new StringBuilder(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!sb.ToString().Contains(inner.Message, StringComparison.Ordinal))
            {
                sb.Append(": ").Append(inner.Message);
            }
        }
        return sb.ToString();
    }
}
