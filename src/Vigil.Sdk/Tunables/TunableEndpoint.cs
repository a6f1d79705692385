using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vigil.Sdk.Exposition;

namespace Vigil.Sdk.Tunables;

/// <summary>
/// Answers the tunables contract of docs/TUNABLES.md for a <see cref="TunableRegistry"/>, independent of the server
/// hosting it: <c>GET /vigil/tunables</c>, <c>GET</c> and <c>PUT /vigil/tunables/{name}</c>, bearer token, validation
/// without clamping, read-after-write.
/// </summary>
/// <remarks>
/// Thread-safe. Hosts (<see cref="VigilHttpListener"/>, <c>MapVigilTunables</c>) pass the request and add
/// <c>WWW-Authenticate: Bearer</c> to a 401 answer. A host that listens beyond loopback says so, and then a <c>PUT</c>
/// without a configured token is refused with 403: a knob that changes how an application behaves is never writable by
/// anyone on the network.
/// </remarks>
public sealed class TunableEndpoint
{
    /// <summary>The path of the list; one tunable is <c>/vigil/tunables/{name}</c>.</summary>
    public const string Path = "/vigil/tunables";

    private readonly byte[]? _tokenHash;

    /// <summary>Serves <paramref name="registry"/>; with a <paramref name="token"/>, every request must carry <c>Authorization: Bearer token</c>.</summary>
    public TunableEndpoint(TunableRegistry registry, string? token = null)
    {
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        if (token is not null)
        {
            token = token.Trim();
            if (token.Length == 0)
            {
                throw new ArgumentException("the tunables token is empty; pass null for no token", nameof(token));
            }
            _tokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        }
    }

    /// <summary>The knobs served.</summary>
    public TunableRegistry Registry { get; }

    /// <summary>True when requests must carry the bearer token.</summary>
    public bool RequiresToken => _tokenHash is not null;

    /// <summary>True when <paramref name="path"/> (percent-encoded) belongs to the contract.</summary>
    public static bool Handles(string path)
        => path == Path || (path.StartsWith(Path + "/", StringComparison.Ordinal) && path.Length > Path.Length + 1);

    /// <summary>
    /// Answers one request: writes the JSON body to <paramref name="response"/> and returns the HTTP status.
    /// <paramref name="path"/> is the URL path (percent-encoded), <paramref name="authorization"/> the <c>Authorization</c>
    /// header, <paramref name="beyondLoopback"/> whether the host listens on an address other than loopback.
    /// </summary>
    public int Handle(string method, string path, string? authorization, ReadOnlySpan<byte> requestBody, bool beyondLoopback, IBufferWriter<byte> response)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(response);
        // Note: built in a private buffer so a failure half-way never leaves half a payload in the answer.
        var buffer = new ArrayBufferWriter<byte>(1024);
        int status = HandleCore(method, path, authorization, requestBody, beyondLoopback, buffer);
        response.Write(buffer.WrittenSpan);
        return status;
    }

    private int HandleCore(string method, string path, string? authorization, ReadOnlySpan<byte> requestBody, bool beyondLoopback, ArrayBufferWriter<byte> body)
    {
        if (!Authorized(authorization))
        {
            return ErrorJson.Write(body, 401, authorization is null ? "this endpoint needs Authorization: Bearer <token>" : "wrong bearer token");
        }
        bool list = path == Path;
        if (!list && !Handles(path))
        {
            return ErrorJson.Write(body, 404, $"no such path: {path}");
        }
        if (list)
        {
            if (method is not ("GET" or "HEAD"))
            {
                return ErrorJson.Write(body, 405, $"method {method} is not allowed on {Path}; use GET");
            }
            using var w = new Utf8JsonWriter(body);
            w.WriteStartArray();
            foreach (var t in Registry.Tunables)
            {
                if (!TryWrite(w, t))
                {
                    w.Flush();
                    body.ResetWrittenCount();
                    return ErrorJson.Write(body, 500, $"reading tunable {t.Name} failed");
                }
            }
            w.WriteEndArray();
            return 200;
        }
        string name;
        try
        {
            name = Uri.UnescapeDataString(path[(Path.Length + 1)..]);
        }
        catch (UriFormatException)
        {
            return ErrorJson.Write(body, 400, $"tunable name in {path} is not a valid escaped string");
        }
        var tunable = Registry.Find(name);
        if (method is "GET" or "HEAD")
        {
            return tunable is null ? NotFound(body, name) : WriteTunable(body, tunable);
        }
        if (method != "PUT")
        {
            return ErrorJson.Write(body, 405, $"method {method} is not allowed on {Path}/{{name}}; use GET or PUT");
        }
        if (beyondLoopback && !RequiresToken)
        {
            return ErrorJson.Write(body, 403, "changing tunables is refused: the application listens beyond loopback and has no tunables token configured");
        }
        if (tunable is null)
        {
            return NotFound(body, name);
        }
        return Put(body, tunable, requestBody);
    }

    private static int Put(ArrayBufferWriter<byte> body, Tunable tunable, ReadOnlySpan<byte> requestBody)
    {
        JsonElement value;
        try
        {
            var reader = new Utf8JsonReader(requestBody);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("value", out var v))
            {
                return ErrorJson.Write(body, 400, $"tunable {tunable.Name}: the body must be a JSON object {{\"value\": V}}");
            }
            value = v.Clone();
        }
        catch (JsonException e)
        {
            return ErrorJson.Write(body, 400, $"tunable {tunable.Name}: the body is not JSON: {e.Message}");
        }
        string? refused;
        try
        {
            refused = tunable.TrySetJson(value);
        }
        catch (ArgumentException e)
        {
            // Note: the application's setter or change handler refused the value; nothing is in force but the previous value.
            return ErrorJson.Write(body, 400, $"tunable {tunable.Name}: the application refused {value.GetRawText()}: {e.Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ErrorJson.Write(body, 500, $"tunable {tunable.Name}: setting {value.GetRawText()} failed: {e.GetType().Name}: {e.Message}");
        }
        return refused is null ? WriteTunable(body, tunable) : ErrorJson.Write(body, 400, refused);
    }

    private static int WriteTunable(ArrayBufferWriter<byte> body, Tunable tunable)
    {
        using var w = new Utf8JsonWriter(body);
        if (!TryWrite(w, tunable))
        {
            w.Flush();
            body.ResetWrittenCount();
            return ErrorJson.Write(body, 500, $"reading tunable {tunable.Name} failed");
        }
        return 200;
    }

    private static bool TryWrite(Utf8JsonWriter w, Tunable tunable)
    {
        try
        {
            tunable.WriteJson(w);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Note: an application getter that throws must answer 500, not take down the host's request loop.
            return false;
        }
    }

    private static int NotFound(IBufferWriter<byte> body, string name) => ErrorJson.Write(body, 404, $"no tunable named \"{name}\"");

    private bool Authorized(string? authorization)
    {
        if (_tokenHash is null)
        {
            return true;
        }
        if (authorization is null)
        {
            return false;
        }
        var header = authorization.AsSpan().Trim();
        if (header.Length < 7 || !header[..7].Equals("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        // Note: comparing hashes keeps the comparison constant-time in the token's length as well as its content.
        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim().ToString()));
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash);
    }
}
