using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Cli.Demo;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// The sample service of <c>vigil demo</c> and its load generator as real child processes, and the test's own view of
/// the service: its <c>pool_size</c> over the tunables endpoint and its p99 latency from two scrapes of <c>/metrics</c>.
/// </summary>
internal sealed class DemoWorkload : IAsyncDisposable
{
    public const string Token = "demo-workload-test-token";
    public const string TokenFile = "tunables.token";

    private readonly DemoChild _service;
    private readonly HttpClient _http;
    private DemoChild? _load;

    private DemoWorkload(DemoChild service, Uri serviceUrl, Uri metricsUrl)
    {
        _service = service;
        ServiceUrl = serviceUrl;
        MetricsUrl = metricsUrl;
        _http = new HttpClient { BaseAddress = metricsUrl, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public Uri ServiceUrl { get; }

    public Uri MetricsUrl { get; }

    /// <summary>host:port of /metrics and the tunables, as a scrape target.</summary>
    public string MetricsHostPort => MetricsUrl.Host + ":" + MetricsUrl.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts the service in <paramref name="dir"/> (which gets the token file) with <paramref name="poolSize"/> workers, and the load at <paramref name="rate"/>.</summary>
    public static async Task<DemoWorkload> StartAsync(string dir, int poolSize, double rate)
    {
        await File.WriteAllTextAsync(Path.Combine(dir, TokenFile), Token + "\n");
        string dll = Path.Combine(AppContext.BaseDirectory, DemoRun.ServiceAssembly);
        Assert.True(File.Exists(dll), dll + " is missing; src/Vigil must reference samples/Vigil.Demo.Service");
        var service = DemoChild.Start("service", ["dotnet", dll, "serve", "--pool-size", poolSize.ToString(CultureInfo.InvariantCulture), "--token-file", TokenFile], dir);
        string line = await service.WaitForLineAsync("listening ", TimeSpan.FromSeconds(90), CancellationToken.None);
        string[] words = line.Split(' ');
        var workload = new DemoWorkload(service, new Uri(words[1]), new Uri(words[3]));
        workload._load = DemoChild.Start("load", ["dotnet", dll, "load", "--url", workload.ServiceUrl.ToString(),
            "--rate", rate.ToString(CultureInfo.InvariantCulture), "--report", "1"], dir);
        // Note: the generator's first report (after a second) means requests flow.
        await workload._load.WaitForLineAsync("load ", TimeSpan.FromSeconds(90), CancellationToken.None);
        return workload;
    }

    /// <summary>Output of both processes, for failure messages.</summary>
    public string Output => "service:\n" + _service.Tail() + "\nload:\n" + (_load?.Tail() ?? string.Empty);

    /// <summary>The pool size the service reports.</summary>
    public async Task<long> PoolSizeAsync()
    {
        using var r = await _http.GetAsync("vigil/tunables/pool_size");
        Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("value").GetInt64();
    }

    /// <summary>Sets the pool size as the optimizer would (PUT with the token) and checks the answer.</summary>
    public async Task SetPoolSizeAsync(long value)
    {
        using var body = new StringContent("{\"value\": " + value.ToString(CultureInfo.InvariantCulture) + "}", Encoding.UTF8, "application/json");
        using var r = await _http.PutAsync("vigil/tunables/pool_size", body);
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, text);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(value, doc.RootElement.GetProperty("value").GetInt64());
    }

    /// <summary>The cumulative request-duration histogram of get_item (all outcomes), by upper bound.</summary>
    public async Task<SortedDictionary<double, double>> HistogramAsync()
    {
        string text = await _http.GetStringAsync("metrics");
        var buckets = new SortedDictionary<double, double>();
        foreach (var s in TextFormat.Parse(text))
        {
            if (s.Name == "vigil_tool_duration_seconds_bucket" && s.Labels["tool"] == "get_item")
            {
                double le = s.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(s.Labels["le"], CultureInfo.InvariantCulture);
                buckets[le] = buckets.GetValueOrDefault(le) + s.Value;
            }
        }
        return buckets;
    }

    /// <summary>p99 of the requests completed during the next <paramref name="window"/>.</summary>
    public async Task<(double P99, double Requests)> MeasureAsync(TimeSpan window)
    {
        var before = await HistogramAsync();
        await Task.Delay(window);
        var after = await HistogramAsync();
        var delta = new SortedDictionary<double, double>();
        foreach (var (le, count) in after)
        {
            delta[le] = count - before.GetValueOrDefault(le);
        }
        return (Quantile(0.99, delta), delta[double.PositiveInfinity]);
    }

    /// <summary>The q-quantile of a cumulative histogram, interpolated linearly inside the bucket as histogram_quantile does.</summary>
    public static double Quantile(double q, SortedDictionary<double, double> cumulative)
    {
        double total = cumulative[double.PositiveInfinity];
        Assert.True(total > 0, "no requests were completed in the window");
        double rank = q * total;
        double lower = 0, below = 0;
        foreach (var (le, count) in cumulative)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(le))
                {
                    return lower;
                }
                return count == below ? le : lower + ((le - lower) * (rank - below) / (count - below));
            }
            (lower, below) = (le, count);
        }
        return lower;
    }

    public async ValueTask DisposeAsync()
    {
        if (_load is not null)
        {
            await _load.DisposeAsync();
        }
        await _service.DisposeAsync();
        _http.Dispose();
    }
}
