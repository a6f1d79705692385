using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Collection.Scrape;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>
/// HTTP to a remote store: authentication, headers, TLS and timeouts on every request, bodies read up to a bound, and
/// every failure turned into a <see cref="RemoteStorageException"/> that names the store and says what went wrong.
/// </summary>
/// <remarks>Thread-safe. Calls block: the query engine and the storage contracts are synchronous.</remarks>
internal sealed class RemoteApiClient : IDisposable
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 16 };

    private readonly RemoteStoreOptions _options;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, string> _tlsFailures = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _name;

    public RemoteApiClient(RemoteStoreOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        if (handler is null)
        {
            var sockets = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = options.Timeout < TimeSpan.FromSeconds(30) ? options.Timeout : TimeSpan.FromSeconds(30),
            };
            HttpClientSetup.ApplyTls(sockets, options.Tls, _tlsFailures);
            handler = sockets;
        }
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        // Note: the name in messages never carries credentials from the URL.
        _name = "remote store " + options.BaseUrl.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped);
    }

    /// <summary>"remote store http://host:port/path/", for messages.</summary>
    public string Name => _name;

    /// <summary>GETs or POSTs (form) an API path under the base URL and returns the <c>data</c> member of a success answer, with the warnings and infos.</summary>
    public ApiAnswer Call(string path, IReadOnlyList<KeyValuePair<string, string>> parameters, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var uri = new Uri(_options.BaseUrl, path);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(parameters) };
        byte[] body = Send(request, timeout, cancellationToken, out var status);
        if (status is >= 200 and < 300)
        {
            return ParseSuccess(body, path);
        }
        throw Failed(status, body, path);
    }

    /// <summary>POSTs a remote-write body; throws unless the store answers 2xx.</summary>
    public void Write(byte[] snappyBody, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.EffectiveWriteUrl) { Content = new ByteArrayContent(snappyBody) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        request.Content.Headers.ContentEncoding.Add("snappy");
        request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
        byte[] body = Send(request, _options.Timeout, cancellationToken, out var status);
        if (status is < 200 or >= 300)
        {
            throw Failed(status, body, "remote-write " + _options.EffectiveWriteUrl.AbsolutePath);
        }
    }

    private byte[] Send(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken, out int status)
    {
        AddHeaders(request);
        if (timeout <= TimeSpan.Zero || timeout > _options.Timeout)
        {
            timeout = _options.Timeout;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            status = (int)response.StatusCode;
            using var stream = response.Content.ReadAsStream(cts.Token);
            return ReadBounded(stream, response.Content.Headers.ContentLength, cts.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteStorageException(RemoteFailure.Timeout,
                $"{_name} did not answer {Describe(request)} within {Core.Model.PrometheusDuration.Format(timeout)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new RemoteStorageException(RemoteFailure.Unavailable, $"{_name} is unreachable ({Describe(request)}): {Describe(e, request.RequestUri!.Host)}", e);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteStorageException(RemoteFailure.Unavailable, $"{_name} broke off its answer to {Describe(request)}: {e.Message}", e);
        }
    }

    private byte[] ReadBounded(Stream stream, long? declared, CancellationToken cancellationToken)
    {
        long max = _options.MaxResponseBytes;
        if (declared > max)
        {
            throw TooLarge();
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 and < 1 << 20 ? (int)declared.Value + 1 : 64 << 10);
        int length = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        throw TooLarge();
                    }
                    byte[] bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Math.Min(max + 1, Array.MaxLength)));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int n = stream.Read(buffer, length, buffer.Length - length);
                if (n == 0)
                {
                    break;
                }
                length += n;
                if (length > max)
                {
                    throw TooLarge();
                }
            }
            return buffer.AsSpan(0, length).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private RemoteStorageException TooLarge() => new(RemoteFailure.BadResponse,
        $"{_name} answered with more than {_options.MaxResponseBytes.ToString(CultureInfo.InvariantCulture)} bytes (storage.remote.max_response_size); narrow the query");

    private ApiAnswer ParseSuccess(byte[] body, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new RemoteStorageException(RemoteFailure.BadResponse, $"{_name} answered {path} with invalid JSON: {e.Message}", e);
        }
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String)
        {
            doc.Dispose();
            throw new RemoteStorageException(RemoteFailure.BadResponse, $"{_name} answered {path} with JSON that is not a Prometheus API response (no \"status\")");
        }
        if (status.GetString() != "success" || !root.TryGetProperty("data", out var data))
        {
            var failure = ErrorOf(root, 200);
            doc.Dispose();
            throw failure;
        }
        return new ApiAnswer(doc, data, Strings(root, "warnings"), Strings(root, "infos"));
    }

    private static List<string> Strings(JsonElement root, string name)
    {
        var list = new List<string>();
        if (root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && list.Count < 100)
                {
                    list.Add(item.GetString()!);
                }
            }
        }
        return list;
    }

    private RemoteStorageException Failed(int status, byte[] body, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(body, JsonOptions);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out _))
            {
                return ErrorOf(doc.RootElement, status);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the text itself is the best explanation there is.
        }
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 512)).Trim();
        if (text.Length == 0)
        {
            text = "empty body";
        }
        return new RemoteStorageException(FailureOf(status, null), $"{_name} answered {path} with HTTP {status.ToString(CultureInfo.InvariantCulture)}: {text}");
    }

    private RemoteStorageException ErrorOf(JsonElement root, int status)
    {
        string? type = root.TryGetProperty("errorType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        string message = root.TryGetProperty("error", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "no error message";
        if (message.Length > 2048)
        {
            message = message[..2048] + "...";
        }
        return new RemoteStorageException(FailureOf(status, type),
            $"{_name} answered HTTP {status.ToString(CultureInfo.InvariantCulture)}{(type is null ? string.Empty : " " + type)}: {message}");
    }

    private static RemoteFailure FailureOf(int status, string? errorType) => errorType switch
    {
        "bad_data" => RemoteFailure.BadData,
        "execution" => RemoteFailure.Execution,
        "timeout" => RemoteFailure.Timeout,
        "canceled" or "unavailable" => RemoteFailure.Unavailable,
        _ => status switch
        {
            422 => RemoteFailure.Execution,
            401 or 403 or 404 or 408 or 429 => RemoteFailure.Unavailable,
            >= 400 and < 500 => RemoteFailure.BadData,
            _ => RemoteFailure.Unavailable,
        },
    };

    private void AddHeaders(HttpRequestMessage request)
    {
        foreach (var (name, value) in _options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (_options.BasicAuth is { } basic)
        {
            string user = basic.UsernameFile is { } uf ? ReadSecret(uf) : basic.Username;
            string password = basic.PasswordFile is { } pf ? ReadSecret(pf) : basic.Password ?? string.Empty;
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        }
        else if (_options.Authorization is { } auth)
        {
            string credentials = auth.CredentialsFile is { } cf ? ReadSecret(cf) : auth.Credentials ?? string.Empty;
            request.Headers.TryAddWithoutValidation("Authorization", auth.Type + " " + credentials);
        }
    }

    private string ReadSecret(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RemoteStorageException(RemoteFailure.Unavailable, $"{_name}: cannot read secret file \"{path}\": {e.Message}", e);
        }
    }

    private static string Describe(HttpRequestMessage request) => request.Method + " " + request.RequestUri!.AbsolutePath;

    private string Describe(HttpRequestException e, string host)
        => TargetScraper.Describe(e, _tlsFailures.TryGetValue(host, out string? tls) ? tls : null);

    public void Dispose() => _http.Dispose();
}

/// <summary>The <c>data</c> of a successful API answer (valid until disposed) with its warnings and infos.</summary>
internal sealed class ApiAnswer(JsonDocument document, JsonElement data, IReadOnlyList<string> warnings, IReadOnlyList<string> infos) : IDisposable
{
    public JsonElement Data { get; } = data;

    public IReadOnlyList<string> Warnings { get; } = warnings;

    public IReadOnlyList<string> Infos { get; } = infos;

    public void Dispose() => document.Dispose();
}
