using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vigil.Core.Exposition;
using Vigil.Core.Model;

namespace Vigil.Collection.Scrape;

/// <summary>
/// The HTTP side of scraping for one job: one connection pool, Prometheus's <c>Accept</c> header, gzip, TLS, basic or
/// bearer authentication, the scrape timeout and <c>body_size_limit</c> on the uncompressed body.
/// </summary>
/// <remarks>Thread-safe: the job's scrape loops share it. The body is read into an <see cref="ArrayPool{T}"/> buffer the caller returns.</remarks>
internal sealed class TargetScraper : IDisposable
{
    private const int MinBuffer = 16 * 1024;

    private static readonly string UserAgent = "Vigil/" + (typeof(TargetScraper).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0").Split('+')[0];

    private readonly ScrapeConfig _config;
    private readonly HttpClient? _client;
    private readonly string? _setupError;
    private readonly string _timeoutHeader;

    // Note: the certificate callback may run on a connection shared by requests, so reasons are kept per host name.
    private readonly ConcurrentDictionary<string, string> _tlsFailures = new(StringComparer.OrdinalIgnoreCase);

    public TargetScraper(ScrapeConfig config)
    {
        _config = config;
        _timeoutHeader = config.ScrapeTimeout.TotalSeconds.ToString("R", CultureInfo.InvariantCulture);
        try
        {
            _client = new HttpClient(CreateHandler(config, _tlsFailures), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            _setupError = "cannot set up TLS: " + e.Message;
        }
    }

    /// <summary>
    /// Fetches <paramref name="target"/>'s metrics into a pooled buffer. Throws <see cref="ScrapeException"/> with a
    /// message for <c>lastError</c>; throws <see cref="OperationCanceledException"/> only when <paramref name="stop"/> fires.
    /// </summary>
    public async Task<ScrapeBody> ScrapeAsync(ScrapeTarget target, TimeSpan timeout, int sizeHint, CancellationToken stop)
    {
        if (_client is null)
        {
            throw new ScrapeException(_setupError!);
        }
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeoutCts.CancelAfter(timeout);
        var ct = timeoutCts.Token;
        byte[]? buffer = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url);
            request.Headers.TryAddWithoutValidation("Accept", ExpositionFormat.ScrapeAcceptHeader);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            request.Headers.TryAddWithoutValidation("X-Prometheus-Scrape-Timeout-Seconds", _timeoutHeader);
            if (!_config.EnableCompression)
            {
                request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
            }
            AddAuthorization(request);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ScrapeException($"server returned HTTP status {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
            }
            string? contentType = response.Content.Headers.ContentType?.ToString();
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                long limit = _config.BodySizeLimit;
                int size = Math.Max(MinBuffer, sizeHint);
                if (limit > 0 && size > limit)
                {
                    size = (int)Math.Min(int.MaxValue, limit);
                }
                buffer = ArrayPool<byte>.Shared.Rent(size);
                int length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (limit > 0 && length >= limit)
                        {
                            throw new ScrapeException($"body size limit exceeded (body_size_limit is {limit.ToString(CultureInfo.InvariantCulture)} bytes)");
                        }
                        long next = Math.Min((long)buffer.Length * 2, Array.MaxLength);
                        if (limit > 0)
                        {
                            next = Math.Min(next, limit);
                        }
                        if (next <= buffer.Length)
                        {
                            throw new ScrapeException("body too large to buffer");
                        }
                        var bigger = ArrayPool<byte>.Shared.Rent((int)next);
                        buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    int max = buffer.Length - length;
                    if (limit > 0)
                    {
                        max = (int)Math.Min(max, limit - length);
                    }
                    int n = await stream.ReadAsync(buffer.AsMemory(length, max), ct).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }
                    length += n;
                    if (limit > 0 && length >= limit)
                    {
                        throw new ScrapeException($"body size limit exceeded (body_size_limit is {limit.ToString(CultureInfo.InvariantCulture)} bytes)");
                    }
                }
                var body = new ScrapeBody(buffer, length, contentType);
                buffer = null;
                return body;
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new ScrapeException($"Get \"{target.Url}\": context deadline exceeded (no complete response within the scrape timeout of {PrometheusDuration.Format(timeout)})");
        }
        catch (HttpRequestException e)
        {
            _tlsFailures.TryRemove(new Uri(target.Url).IdnHost, out string? tlsFailure);
            throw new ScrapeException($"Get \"{target.Url}\": {Describe(e, tlsFailure)}", e);
        }
        catch (IOException e) when (!stop.IsCancellationRequested)
        {
            throw new ScrapeException($"Get \"{target.Url}\": reading the response failed: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new ScrapeException($"Get \"{target.Url}\": invalid compressed body: {e.Message}", e);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Why a request failed, in a few words: connection refused, no such host, the TLS failure, ...</summary>
    internal static string Describe(HttpRequestException e, string? tlsFailure)
    {
        if (tlsFailure is not null)
        {
            return "TLS handshake failed: " + tlsFailure;
        }
        if (e.InnerException is SocketException se)
        {
            return se.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "no such host",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                _ => se.Message,
            };
        }
        if (e.InnerException is AuthenticationException ae)
        {
            return "TLS handshake failed: " + ae.Message;
        }
        return e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
    }

    private void AddAuthorization(HttpRequestMessage request) => HttpClientSetup.AddAuthorization(request, _config.BasicAuth, _config.Authorization);

    private static SocketsHttpHandler CreateHandler(ScrapeConfig config, ConcurrentDictionary<string, string> tlsFailures)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = config.FollowRedirects,
            AutomaticDecompression = config.EnableCompression ? DecompressionMethods.GZip : DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionIdleTimeout = config.ScrapeInterval * 2 + TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = config.ScrapeTimeout,
        };
        HttpClientSetup.ApplyTls(handler, config.Tls, tlsFailures);
        return handler;
    }

    /// <inheritdoc />
    public void Dispose() => _client?.Dispose();
}

/// <summary>A scraped body in a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the receiver returns it.</summary>
internal readonly record struct ScrapeBody(byte[] Buffer, int Length, string? ContentType);
