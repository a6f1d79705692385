using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// A small standalone HTTP/1.1 server for a <see cref="VigilEndpoint"/>, for apps that do not host ASP.NET Core
/// (console apps, workers): <c>/metrics</c> for Prometheus or <c>vigil serve</c> to scrape, the JSON summaries, and the
/// tunables the endpoint serves.
/// </summary>
/// <remarks>
/// <para>Built on <see cref="TcpListener"/> rather than <see cref="HttpListener"/> (a legacy API with a separate managed
/// implementation on Linux) or Kestrel (which would make every app that uses the SDK depend on the ASP.NET Core shared
/// framework). It speaks the subset scrapers and the optimizer use: GET, HEAD and PUT, keep-alive, pipelining,
/// <c>Content-Length</c> bodies, no TLS, no compression.</para>
/// <para>Limits keep it safe to expose: request heads up to 8 KiB (else 431), bodies up to 64 KiB (else 413), chunked
/// requests refused (501), at most <see cref="MaxConnections"/> connections (further ones get 503), 10 s to send a
/// request head and 120 s idle on a kept-alive connection. Connection failures are counted, never thrown to the app.</para>
/// </remarks>
public sealed class VigilHttpListener : IAsyncDisposable
{
    /// <summary>Default port, the one OpenTelemetry's Prometheus exporter uses.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Concurrent connections served; more are answered 503 and closed.</summary>
    public const int MaxConnections = 64;

    private const int MaxHeadBytes = 8 * 1024;
    private const int MaxBodyBytes = 64 * 1024;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(120);

    private readonly VigilEndpoint _endpoint;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _connections = new();
    private Task? _acceptLoop;
    private bool _beyondLoopback;
    private long _requests;
    private long _connectionErrors;

    /// <summary>Creates a listener for <paramref name="endpoint"/> on <paramref name="localEndPoint"/> (port 0 picks a free one); call <c>Start</c>.</summary>
    public VigilHttpListener(VigilEndpoint endpoint, IPEndPoint localEndPoint)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        ArgumentNullException.ThrowIfNull(localEndPoint);
        _listener = new TcpListener(localEndPoint);
    }

    /// <summary>The address and port listened on (the actual port once started).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The base URL, such as <c>http://127.0.0.1:9464/</c>.</summary>
    public Uri BaseAddress
    {
        get
        {
            var ep = LocalEndPoint;
            string host = ep.Address.Equals(IPAddress.Any) ? "127.0.0.1" : ep.Address.Equals(IPAddress.IPv6Any) ? "[::1]" : ep.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ep.Address}]" : ep.Address.ToString();
            return new Uri($"http://{host}:{ep.Port.ToString(CultureInfo.InvariantCulture)}/");
        }
    }

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Connections that ended with an I/O error or a malformed request so far.</summary>
    public long ConnectionErrors => Interlocked.Read(ref _connectionErrors);

    /// <summary>Creates and starts a listener on <paramref name="address"/> (default: all interfaces) and <paramref name="port"/>.</summary>
    public static VigilHttpListener Start(VigilEndpoint endpoint, int port = DefaultPort, IPAddress? address = null)
    {
        var listener = new VigilHttpListener(endpoint, new IPEndPoint(address ?? IPAddress.Any, port));
        listener.Start();
        return listener;
    }

    /// <summary>Binds the socket and starts accepting; throws <see cref="SocketException"/> when the port is taken.</summary>
    public void Start()
    {
        _listener.Start(backlog: 128);
        // Note: any address but a loopback one (including 0.0.0.0 and ::) is reachable from the network, which makes
        // changing tunables without a token forbidden (docs/TUNABLES.md).
        var bound = LocalEndPoint.Address;
        _beyondLoopback = !IPAddress.IsLoopback(bound.IsIPv4MappedToIPv6 ? bound.MapToIPv4() : bound);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting, closes connections and waits for them.</summary>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        Task[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }
        await Task.WhenAll(open).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        _slots.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _connectionErrors);
                continue;
            }
            var task = ServeAsync(client);
            lock (_lock)
            {
                _connections.Add(task);
            }
            _ = task.ContinueWith(t =>
            {
                lock (_lock)
                {
                    _connections.Remove(t);
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        bool slot = _slots.Wait(0);
        try
        {
            using (client)
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                if (!slot)
                {
                    await WriteSimpleAsync(stream, 503, "too many connections", keepAlive: false, CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                await ServeConnectionAsync(stream).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested && e is not OperationCanceledException)
            {
                Interlocked.Increment(ref _connectionErrors);
            }
        }
        catch (Exception)
        {
            // Note: the listener runs inside someone else's app; nothing a client sends may escape as an unhandled exception.
            Interlocked.Increment(ref _connectionErrors);
        }
        finally
        {
            if (slot)
            {
                _slots.Release();
            }
        }
    }

    private async Task ServeConnectionAsync(NetworkStream stream)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxHeadBytes);
        try
        {
            int filled = 0;
            bool first = true;
            while (!_stop.IsCancellationRequested)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(first ? HeadTimeout : IdleTimeout);
                int headEnd;
                while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    if (filled == MaxHeadBytes)
                    {
                        await WriteSimpleAsync(stream, 431, "request head larger than 8 KiB", keepAlive: false, _stop.Token).ConfigureAwait(false);
                        Interlocked.Increment(ref _connectionErrors);
                        return;
                    }
                    int n = await stream.ReadAsync(buffer.AsMemory(filled, MaxHeadBytes - filled), timeout.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    filled += n;
                    // Note: after the first byte of a request, the rest of its head must arrive within the head timeout.
                    timeout.CancelAfter(HeadTimeout);
                }
                first = false;
                if (!RequestHead.TryParse(buffer.AsSpan(0, headEnd), out var head, out string? problem))
                {
                    await WriteSimpleAsync(stream, 400, problem!, keepAlive: false, _stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _connectionErrors);
                    return;
                }
                int consumed = headEnd + 4;
                if (head.Chunked)
                {
                    await WriteSimpleAsync(stream, 501, "chunked request bodies are not supported", keepAlive: false, _stop.Token).ConfigureAwait(false);
                    return;
                }
                if (head.ContentLength > MaxBodyBytes)
                {
                    await WriteSimpleAsync(stream, 413, "request body larger than 64 KiB", keepAlive: false, _stop.Token).ConfigureAwait(false);
                    return;
                }
                // The request body: part or all of it may already be in the buffer behind the head.
                byte[] requestBody = head.ContentLength == 0 ? [] : new byte[head.ContentLength];
                int inBuffer = (int)Math.Min(head.ContentLength, filled - consumed);
                buffer.AsSpan(consumed, inBuffer).CopyTo(requestBody);
                consumed += inBuffer;
                Array.Copy(buffer, consumed, buffer, 0, filled - consumed);
                filled -= consumed;
                for (int read = inBuffer; read < requestBody.Length;)
                {
                    int n = await stream.ReadAsync(requestBody.AsMemory(read), timeout.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    read += n;
                }

                var body = new ArrayBufferWriter<byte>(4096);
                var request = new VigilRequest
                {
                    Method = head.Method,
                    Path = head.Path,
                    Query = head.Query,
                    Accept = head.Accept,
                    Authorization = head.Authorization,
                    Body = requestBody,
                    BeyondLoopback = _beyondLoopback,
                };
                int status = _endpoint.Handle(request, body, out string contentType);
                Interlocked.Increment(ref _requests);
                await WriteResponseAsync(stream, status, contentType, head.Method == "HEAD" ? ReadOnlyMemory<byte>.Empty : body.WrittenMemory, body.WrittenCount, head.KeepAlive, _stop.Token).ConfigureAwait(false);
                if (!head.KeepAlive)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Task WriteSimpleAsync(Stream stream, int status, string message, bool keepAlive, CancellationToken ct)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var w = new System.Text.Json.Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteEndObject();
        }
        return WriteResponseAsync(stream, status, VigilEndpoint.JsonContentType, json.WrittenMemory, json.WrittenCount, keepAlive, ct);
    }

    private static async Task WriteResponseAsync(Stream stream, int status, string contentType, ReadOnlyMemory<byte> body, int contentLength, bool keepAlive, CancellationToken ct)
    {
        var head = new StringBuilder(192);
        head.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason(status)).Append("\r\n");
        head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        head.Append("Content-Length: ").Append(contentLength.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        head.Append("Connection: ").Append(keepAlive ? "keep-alive" : "close").Append("\r\n");
        if (status == 401)
        {
            head.Append("WWW-Authenticate: Bearer\r\n");
        }
        head.Append("Server: vigil-sdk\r\n\r\n");
        byte[] headBytes = Encoding.ASCII.GetBytes(head.ToString());
        await stream.WriteAsync(headBytes, ct).ConfigureAwait(false);
        if (!body.IsEmpty)
        {
            await stream.WriteAsync(body, ct).ConfigureAwait(false);
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Status",
    };

    /// <summary>The parts of a request head the listener uses.</summary>
    private readonly record struct RequestHead(string Method, string Path, string? Query, string? Accept, string? Authorization, long ContentLength, bool Chunked, bool KeepAlive)
    {
        public static bool TryParse(ReadOnlySpan<byte> head, out RequestHead result, out string? problem)
        {
            result = default;
            problem = null;
            string text;
            try
            {
                text = Encoding.Latin1.GetString(head);
            }
            catch (ArgumentException)
            {
                problem = "request head is not text";
                return false;
            }
            string[] lines = text.Split("\r\n");
            string[] requestLine = lines[0].Split(' ');
            if (requestLine.Length != 3 || requestLine[0].Length == 0 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                problem = $"malformed request line \"{Truncate(lines[0])}\"; expected \"METHOD /path HTTP/1.1\"";
                return false;
            }
            string target = requestLine[1];
            if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                // Absolute form (sent through proxies): keep the path and query.
                int slash = target.IndexOf('/', 7);
                target = slash < 0 ? "/" : target[slash..];
            }
            if (!target.StartsWith('/'))
            {
                problem = $"request target \"{Truncate(target)}\" is not a path";
                return false;
            }
            int q = target.IndexOf('?', StringComparison.Ordinal);
            string path = q < 0 ? target : target[..q];
            string? query = q < 0 ? null : target[(q + 1)..];
            bool http11 = requestLine[2] == "HTTP/1.1";
            string? accept = null;
            string? authorization = null;
            string? connection = null;
            long contentLength = 0;
            bool chunked = false;
            for (int i = 1; i < lines.Length; i++)
            {
                string line = lines[i];
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    problem = $"malformed header line {i + 1} \"{Truncate(line)}\"";
                    return false;
                }
                string name = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (name.Equals("Accept", StringComparison.OrdinalIgnoreCase))
                {
                    accept = accept is null ? value : accept + "," + value;
                }
                else if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    authorization = value;
                }
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    connection = value;
                }
                else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out contentLength))
                    {
                        problem = $"invalid Content-Length \"{Truncate(value)}\"";
                        return false;
                    }
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = !value.Equals("identity", StringComparison.OrdinalIgnoreCase);
                }
            }
            bool keepAlive = connection is null
                ? http11
                : connection.Contains("keep-alive", StringComparison.OrdinalIgnoreCase) || (http11 && !connection.Contains("close", StringComparison.OrdinalIgnoreCase));
            result = new RequestHead(requestLine[0], path, query, accept, authorization, contentLength, chunked, keepAlive);
            return true;
        }

        private static string Truncate(string s) => s.Length <= 80 ? s : s[..80] + "…";
    }
}
