using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary>
/// Real senders write into Vigil's <c>/api/v1/write</c>: Debian's Prometheus 2.42 (scraping a static target, with
/// metadata) and vmagent (forwarding samples pushed into it). Every sample each sender says it sent arrives, exactly.
/// </summary>
public sealed class RemoteWriteSendersTests : IAsyncLifetime
{
    private const string TargetText = """
        # HELP static_requests_total Requests served.
        # TYPE static_requests_total counter
        static_requests_total{code="200"} 1027
        static_requests_total{code="500"} 3
        # HELP static_temperature_celsius Room temperature.
        # TYPE static_temperature_celsius gauge
        static_temperature_celsius 21.5
        # HELP static_latency_seconds Time per request.
        # TYPE static_latency_seconds histogram
        static_latency_seconds_bucket{le="0.1"} 5
        static_latency_seconds_bucket{le="1"} 9
        static_latency_seconds_bucket{le="+Inf"} 10
        static_latency_seconds_sum 3.25
        static_latency_seconds_count 10

        """;

    private readonly MemoryStorage _storage = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private VigilServer _vigil = null!;

    public async Task InitializeAsync()
    {
        _vigil = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectHost = false,
            CollectSelf = false,
            CollectionInterval = TimeSpan.FromHours(1),
        }, _storage);
        await _vigil.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _vigil.DisposeAsync();
    }

    private string WriteUrl => new Uri(_vigil.BaseAddress, "api/v1/write").ToString();

    private long StoredSamples(Func<LabelSet, bool>? where = null)
        => _storage.AllSeries().Where(where ?? (_ => true)).Sum(s => (long)_storage.SamplesOf(s).Count);

    /// <summary>The value of an unlabelled metric on a Prometheus-format /metrics page.</summary>
    private async Task<double> MetricAsync(Uri baseAddress, string name)
    {
        string text = await _http.GetStringAsync(new Uri(baseAddress, "metrics"));
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{name} not found on {baseAddress}metrics");
    }

    /// <summary>Raw samples of <c>{job="static"}</c> over the last hour as a sorted text, one series per line.</summary>
    private async Task<string> RawSamplesAsync(Uri baseAddress, double time)
    {
        string url = $"api/v1/query?query={Uri.EscapeDataString("{job=\"static\"}[1h]")}&time={time.ToString(CultureInfo.InvariantCulture)}";
        using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(baseAddress, url)));
        var lines = new List<string>();
        foreach (var series in doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order(StringComparer.Ordinal);
            var values = series.GetProperty("values").EnumerateArray().Select(v => $"{v[0].GetRawText()}:{v[1].GetString()}");
            lines.Add($"{string.Join(",", labels)} {string.Join(" ", values)}");
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    [Fact]
    public async Task Prometheus_RemoteWritesAStaticTarget_EverySampleAndTheMetadataArrive()
    {
        await using var target = await TestWebServer.StartAsync(ctx =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4";
            return ctx.Response.WriteAsync(TargetText);
        });
        string remoteWrite = $"""
            remote_write:
              - url: {WriteUrl}
                queue_config: {"{"} batch_send_deadline: 1s, max_backoff: 1s {"}"}
                metadata_config: {"{"} send_interval: 1s {"}"}
            """;
        await using var prometheus = await ExporterProcess.StartPrometheusWithConfigAsync($"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: static
                static_configs:
                  - targets: ['{target.BaseAddress.Authority}']
            {remoteWrite}
            """, "--web.enable-lifecycle");
        var gauge = LabelSet.Of("__name__", "static_temperature_celsius", "instance", target.BaseAddress.Authority, "job", "static");
        await Poll.UntilAsync(() => Task.FromResult(_storage.SamplesOf(gauge).Count >= 8),
            () => prometheus.Output, TimeSpan.FromSeconds(90));

        // Stop scraping, then wait until Prometheus has sent everything it read and Vigil holds as many samples.
        await File.WriteAllTextAsync(prometheus.ConfigFile!, "global:\n  scrape_interval: 1s\n" + remoteWrite);
        using (var reload = await _http.PostAsync(new Uri(prometheus.BaseAddress, "-/reload"), null))
        {
            Assert.True(reload.IsSuccessStatusCode, await reload.Content.ReadAsStringAsync());
        }
        string state = string.Empty;
        var stableSince = DateTime.UtcNow;
        await Poll.UntilAsync(async () =>
        {
            double pending = await MetricAsync(prometheus.BaseAddress, "prometheus_remote_storage_samples_pending");
            double sent = await MetricAsync(prometheus.BaseAddress, "prometheus_remote_storage_samples_total");
            string now = $"pending {pending}, sent {sent}, stored {StoredSamples()}";
            if (now != state || pending != 0 || sent != StoredSamples())
            {
                state = now;
                stableSince = DateTime.UtcNow;
                return false;
            }
            return DateTime.UtcNow - stableSince > TimeSpan.FromSeconds(3);
        }, () => state + "\n" + prometheus.Output, TimeSpan.FromSeconds(60));

        Assert.Equal(0, await MetricAsync(prometheus.BaseAddress, "prometheus_remote_storage_samples_failed_total"));
        Assert.Equal(0, await MetricAsync(prometheus.BaseAddress, "prometheus_remote_storage_samples_dropped_total"));
        // What Prometheus stored locally is what Vigil received, sample for sample.
        double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        string expected = await RawSamplesAsync(prometheus.BaseAddress, now);
        Assert.Contains("__name__=static_latency_seconds_bucket", expected, StringComparison.Ordinal);
        Assert.Equal(expected, await RawSamplesAsync(_vigil.BaseAddress, now));
        Assert.Equal("1027", _storage.SamplesOf(LabelSet.Of("__name__", "static_requests_total", "code", "200", "instance", target.BaseAddress.Authority, "job", "static"))[0].V.ToString(CultureInfo.InvariantCulture));
        // Metadata travels in its own requests every send_interval.
        await Poll.UntilAsync(async () =>
        {
            using var md = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_vigil.BaseAddress, "api/v1/metadata?metric=static_requests_total")));
            return md.RootElement.GetProperty("data").TryGetProperty("static_requests_total", out var entries)
                && entries[0].GetProperty("type").GetString() == "counter"
                && entries[0].GetProperty("help").GetString() == "Requests served.";
        }, () => prometheus.Output, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Vmagent_ForwardsPushedSamples_EverySampleArrivesExactly()
    {
        await using var vmagent = await ExporterProcess.StartVmagentAsync(WriteUrl, "-remoteWrite.flushInterval=200ms");
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000;
        const int Series = 40, Rounds = 8;
        for (int round = 0; round < Rounds; round++)
        {
            // One sample per series per round, as a scrape gives: vmagent sends blocks from several queues at once, so
            // two samples of one series in flight together could overtake each other (see docs/SCALING.md).
            var text = new StringBuilder();
            for (int s = 0; s < Series; s++)
            {
                text.Append(CultureInfo.InvariantCulture, $"vm_forwarded{{host=\"h{s:D2}\",zone=\"z{s % 3}\"}} {(s * 1000) + (round * 0.5)} {start + (round * 15_000)}\n");
            }
            using var push = await _http.PostAsync(new Uri(vmagent.BaseAddress, "api/v1/import/prometheus"), new StringContent(text.ToString()));
            Assert.True(push.IsSuccessStatusCode, await push.Content.ReadAsStringAsync());
            int expected = Series * (round + 1);
            await Poll.UntilAsync(() => Task.FromResult(StoredSamples() == expected),
                () => $"stored {StoredSamples()} of {expected}\n{vmagent.Output}", TimeSpan.FromSeconds(60));
        }

        Assert.Equal(Series * Rounds, await MetricAsync(vmagent.BaseAddress, "vmagent_remotewrite_rows_pushed_after_relabel_total"));
        Assert.Equal(0, await MetricAsync(vmagent.BaseAddress, "vmagent_remotewrite_pending_data_bytes"));
        for (int s = 0; s < Series; s++)
        {
            var labels = LabelSet.Of("__name__", "vm_forwarded", "host", $"h{s:D2}", "zone", $"z{s % 3}");
            var want = Enumerable.Range(0, Rounds).Select(i => new Sample(start + (i * 15_000), (s * 1000) + (i * 0.5)));
            Assert.Equal(want, _storage.SamplesOf(labels));
        }
    }

    [Fact]
    public async Task Vmagent_ManySamplesPerSeriesInOnePush_ArriveSortedEveryOne()
    {
        // vmagent puts one push's rows into a block in the order its parsers finish, so a series' samples come out of
        // time order within the request; Vigil sorts them instead of refusing the block (which vmagent would drop).
        await using var vmagent = await ExporterProcess.StartVmagentAsync(WriteUrl, "-remoteWrite.flushInterval=200ms", "-remoteWrite.queues=1");
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000;
        const int Series = 40, PerSeries = 15;
        var text = new StringBuilder();
        for (int s = 0; s < Series; s++)
        {
            for (int i = 0; i < PerSeries; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"vm_batched{{host=\"h{s:D2}\"}} {(s * 1000) + (i * 0.5)} {start + (i * 1000)}\n");
            }
        }
        using var push = await _http.PostAsync(new Uri(vmagent.BaseAddress, "api/v1/import/prometheus"), new StringContent(text.ToString()));
        Assert.True(push.IsSuccessStatusCode, await push.Content.ReadAsStringAsync());

        await Poll.UntilAsync(() => Task.FromResult(StoredSamples() == Series * PerSeries),
            () => $"stored {StoredSamples()} of {Series * PerSeries}\n{vmagent.Output}", TimeSpan.FromSeconds(60));
        for (int s = 0; s < Series; s++)
        {
            var want = Enumerable.Range(0, PerSeries).Select(i => new Sample(start + (i * 1000), (s * 1000) + (i * 0.5)));
            Assert.Equal(want, _storage.SamplesOf(LabelSet.Of("__name__", "vm_batched", "host", $"h{s:D2}")));
        }
    }
}
