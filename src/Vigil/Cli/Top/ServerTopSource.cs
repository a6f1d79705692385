using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Vigil.Cli.Top;

/// <summary><c>vigil top</c>'s data from a Prometheus-compatible <c>/api/v1/query</c> (the default).</summary>
internal sealed class ServerTopSource(ServerTarget server) : ITopSource
{
    private readonly HttpClient _http = server.CreateClient(TimeSpan.FromSeconds(30));

    public string Name => server.Url.ToString();

    public string NoData => "No host, runtime or tool metrics on this server yet.";

    public async Task<IReadOnlyList<List<(Dictionary<string, string> Labels, double Value)>>> QueryAsync(IReadOnlyList<string> exprs, long timeMs, CancellationToken ct)
    {
        string time = (timeMs / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
        return await Task.WhenAll(exprs.Select(e => QueryAsync(e, time, ct))).ConfigureAwait(false);
    }

    private async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string expr, string time, CancellationToken ct)
    {
        using var form = new FormUrlEncodedContent([new("query", expr), new("time", time)]);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync("api/v1/query", form, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw RemoteServer.Unreachable(_http.BaseAddress!, e);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"{_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new CliException($"{new Uri(_http.BaseAddress!, "api/v1/query")} answered 404: that server has no PromQL query API; point --server at a Vigil or Prometheus server");
            }
            string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw new CliException($"{_http.BaseAddress} answered {(int)response.StatusCode} without JSON to /api/v1/query; is it a Prometheus-compatible server?");
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (!response.IsSuccessStatusCode || root.GetProperty("status").GetString() != "success")
                {
                    string error = root.TryGetProperty("error", out var e) ? e.GetString() ?? string.Empty : body;
                    throw new CliException($"query {expr} failed: {error}{server.AuthHint((int)response.StatusCode)}");
                }
                var data = root.GetProperty("data");
                var found = new List<(Dictionary<string, string>, double)>();
                if (data.GetProperty("resultType").GetString() != "vector")
                {
                    return found;
                }
                foreach (var sample in data.GetProperty("result").EnumerateArray())
                {
                    var labels = sample.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
                    string text = sample.GetProperty("value")[1].GetString() ?? "NaN";
                    found.Add((labels, ParseValue(text)));
                }
                return found;
            }
        }
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    public void Dispose() => _http.Dispose();
}
