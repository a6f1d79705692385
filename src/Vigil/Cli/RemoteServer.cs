using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Vigil.Cli;

/// <summary>Reads from a running Vigil (or Prometheus-compatible) server's HTTP API for <c>vigil series</c> and <c>vigil dump</c>.</summary>
internal sealed class RemoteServer(ServerTarget target) : IDisposable
{
    private readonly HttpClient _http = target.CreateClient(Timeout.InfiniteTimeSpan);

    /// <summary>Sends a form POST to <paramref name="path"/>; throws <see cref="CliException"/> with the server's error or the connection problem.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> form, CancellationToken ct)
        => PostAsync(path, new FormUrlEncodedContent(form), ct);

    /// <summary>POSTs <paramref name="content"/> to <paramref name="path"/>; throws <see cref="CliException"/> with the server's error or the connection problem.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, HttpContent content, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(new Uri(_http.BaseAddress!, path), e);
        }
        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            response.Dispose();
            throw new CliException($"{new Uri(_http.BaseAddress!, path)} answered {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorText(body)}{target.AuthHint((int)response.StatusCode)}");
        }
        return response;
    }

    /// <summary>The one-line error for a server that does not answer, saying what to do.</summary>
    public static CliException Unreachable(Uri url, HttpRequestException e)
        => new($"cannot reach {url}: {e.Message}; is vigil serve running there? (give its address with --server URL)");

    private static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var e))
            {
                return e.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
        }
        return body.Length > 500 ? body[..500] + "…" : body.TrimEnd();
    }

    /// <summary>Builds the form for <c>match[]</c>, <c>start</c> and <c>end</c>.</summary>
    public static List<KeyValuePair<string, string>> Form(IEnumerable<string> matchers, long? startMs = null, long? endMs = null)
    {
        var form = matchers.Select(m => new KeyValuePair<string, string>("match[]", m)).ToList();
        if (startMs is not null)
        {
            form.Add(new("start", CliValues.FormatApiTime(startMs.Value)));
        }
        if (endMs is not null)
        {
            form.Add(new("end", CliValues.FormatApiTime(endMs.Value)));
        }
        return form;
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Reads UTF-8 lines from a streamed response.</summary>
    public static async IAsyncEnumerable<string> ReadLinesAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }
}
