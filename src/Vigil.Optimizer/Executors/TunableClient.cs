using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// The server side of the tunables contract (docs/TUNABLES.md): <c>GET /vigil/tunables</c>, <c>GET</c> and
/// <c>PUT /vigil/tunables/{name}</c> with a bearer token, JSON <c>{name, value, min, max, kind}</c>.
/// </summary>
/// <remarks>Thread-safe. Failures (connection, non-2xx, malformed JSON) throw <see cref="ExecutorException"/> naming the URL.</remarks>
internal sealed class TunableClient(HttpClient http, Uri baseAddress, string? token)
{
    /// <summary>The path prefix of the contract.</summary>
    public const string PathPrefix = "vigil/tunables";

    private readonly Uri _base = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");

    /// <summary>All knobs the application serves.</summary>
    public async Task<IReadOnlyList<TunableInfo>> ListAsync(CancellationToken ct)
    {
        using var doc = await SendAsync(HttpMethod.Get, PathPrefix, null, ct).ConfigureAwait(false);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new ExecutorException($"{new Uri(_base, PathPrefix)}: expected a JSON array of tunables", doc.RootElement.GetRawText());
        }
        return doc.RootElement.EnumerateArray().Select(e => Parse(e, PathPrefix)).ToList();
    }

    /// <summary>One knob.</summary>
    public async Task<TunableInfo> GetAsync(string name, CancellationToken ct)
    {
        string path = PathPrefix + "/" + Uri.EscapeDataString(name);
        using var doc = await SendAsync(HttpMethod.Get, path, null, ct).ConfigureAwait(false);
        return Parse(doc.RootElement, path);
    }

    /// <summary>Sets a knob; <paramref name="value"/> is a long, a double or a string. Returns the knob as the application reports it afterwards.</summary>
    public async Task<TunableInfo> SetAsync(string name, object value, CancellationToken ct)
    {
        string path = PathPrefix + "/" + Uri.EscapeDataString(name);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            switch (value)
            {
                case long l:
                    w.WriteNumber("value", l);
                    break;
                case double d:
                    w.WriteNumber("value", d);
                    break;
                default:
                    w.WriteString("value", Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
            w.WriteEndObject();
        }
        using var doc = await SendAsync(HttpMethod.Put, path, Encoding.UTF8.GetString(buffer.WrittenSpan), ct).ConfigureAwait(false);
        return Parse(doc.RootElement, path);
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string path, string? body, CancellationToken ct)
    {
        var uri = new Uri(_base, path);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ExecutorException($"{method} {uri} failed: {e.Message}");
        }
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string hint = response.StatusCode switch
                {
                    HttpStatusCode.Unauthorized => " (missing or wrong bearer token)",
                    HttpStatusCode.NotFound => " (no such tunable)",
                    HttpStatusCode.BadRequest => " (value refused)",
                    _ => string.Empty,
                };
                throw new ExecutorException(string.Create(CultureInfo.InvariantCulture,
                    $"{method} {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}{hint}"), ExecutorOutput.Truncate(text));
            }
            try
            {
                return JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new ExecutorException($"{method} {uri}: the answer is not JSON: {e.Message}", ExecutorOutput.Truncate(text));
            }
        }
    }

    private TunableInfo Parse(JsonElement e, string path)
    {
        string where = new Uri(_base, path).ToString();
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new ExecutorException($"{where}: expected a tunable object", e.GetRawText());
        }
        string name = e.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw Bad("name");
        string kind = e.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : throw Bad("kind");
        if (!e.TryGetProperty("value", out var value))
        {
            throw Bad("value");
        }
        double? min = e.TryGetProperty("min", out var mn) && mn.ValueKind == JsonValueKind.Number ? mn.GetDouble() : null;
        double? max = e.TryGetProperty("max", out var mx) && mx.ValueKind == JsonValueKind.Number ? mx.GetDouble() : null;
        var values = e.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array
            ? vs.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList()
            : [];
        switch (kind)
        {
            case "integer" or "number" when value.ValueKind != JsonValueKind.Number:
                throw new ExecutorException($"{where}: tunable {name} is a {kind} but its value is not a number", e.GetRawText());
            case "enum" when value.ValueKind != JsonValueKind.String:
                throw new ExecutorException($"{where}: tunable {name} is an enum but its value is not a string", e.GetRawText());
            case "integer" or "number" or "enum":
                break;
            default:
                throw new ExecutorException($"{where}: tunable {name} has unknown kind \"{kind}\" (expected integer, number or enum)", e.GetRawText());
        }
        return new TunableInfo(name, kind, value.Clone(), min, max, values);

        ExecutorException Bad(string member) => new($"{where}: the tunable has no valid \"{member}\"", e.GetRawText());
    }
}
