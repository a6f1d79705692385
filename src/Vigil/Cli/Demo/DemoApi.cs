using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Vigil.Cli.Demo;

/// <summary>What <c>vigil demo</c> reads over HTTP: PromQL results and the optimizer's executions from <c>vigil serve</c>, and the service's tunables.</summary>
internal sealed class DemoApi : IDisposable
{
    private readonly HttpClient _vigil;
    private readonly HttpClient _service;

    public DemoApi(Uri vigil, Uri serviceMetrics, string token)
    {
        _vigil = new HttpClient { BaseAddress = vigil, Timeout = TimeSpan.FromSeconds(30) };
        _service = new HttpClient { BaseAddress = serviceMetrics, Timeout = TimeSpan.FromSeconds(30) };
        _service.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Whether <c>vigil serve</c> answers <c>/-/ready</c> with 200.</summary>
    public async Task<bool> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var r = await _vigil.GetAsync("-/ready", ct).ConfigureAwait(false);
            return r.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The value of <paramref name="expr"/> now (the first sample of a vector, or a scalar), or null without data.</summary>
    public async Task<double?> QueryAsync(string expr, CancellationToken ct)
    {
        using var doc = await GetJsonAsync(_vigil, "api/v1/query?query=" + Uri.EscapeDataString(expr), ct).ConfigureAwait(false);
        var data = doc.RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        JsonElement value;
        if (data.GetProperty("resultType").GetString() == "scalar")
        {
            value = result;
        }
        else if (result.GetArrayLength() > 0)
        {
            value = result[0].GetProperty("value");
        }
        else
        {
            return null;
        }
        double v = double.Parse(value[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
        return double.IsFinite(v) ? v : null;
    }

    /// <summary>The finite values of <paramref name="expr"/> from <paramref name="start"/> to <paramref name="end"/> at <paramref name="step"/>.</summary>
    public async Task<List<double>> QueryRangeAsync(string expr, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken ct)
    {
        string url = string.Create(CultureInfo.InvariantCulture,
            $"api/v1/query_range?query={Uri.EscapeDataString(expr)}&start={start.ToUnixTimeMilliseconds() / 1000.0:0.###}&end={end.ToUnixTimeMilliseconds() / 1000.0:0.###}&step={step.TotalSeconds:0.###}");
        using var doc = await GetJsonAsync(_vigil, url, ct).ConfigureAwait(false);
        var values = new List<double>();
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            foreach (var point in series.GetProperty("values").EnumerateArray())
            {
                double v = double.Parse(point[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (double.IsFinite(v))
                {
                    values.Add(v);
                }
            }
        }
        return values;
    }

    /// <summary>Every execution of the optimizer, newest first.</summary>
    public async Task<List<DemoExecution>> ExecutionsAsync(CancellationToken ct)
    {
        using var doc = await GetJsonAsync(_vigil, "api/v1/optimizations?limit=1000", ct).ConfigureAwait(false);
        return [.. doc.RootElement.GetProperty("data").GetProperty("executions").EnumerateArray().Select(DemoExecution.Parse)];
    }

    /// <summary>The value of the service's tunable <paramref name="name"/>, as the optimizer reads it.</summary>
    public async Task<string> TunableAsync(string name, CancellationToken ct)
    {
        using var doc = await GetJsonAsync(_service, "vigil/tunables/" + Uri.EscapeDataString(name), ct).ConfigureAwait(false);
        var value = doc.RootElement.GetProperty("value");
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }

    public void Dispose()
    {
        _vigil.Dispose();
        _service.Dispose();
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{new Uri(http.BaseAddress!, path)} answered {(int)response.StatusCode}: {body}");
        }
        return JsonDocument.Parse(body);
    }
}
