using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Collection.Remote;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;
using V1 = Vigil.Collection.Push.RemoteWrite.V1;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary>
/// Vigil's remote-write sender (<c>remote_write:</c>) reading its own WAL: into Debian's real VictoriaMetrics through an
/// outage and a restart of Vigil, and against a receiver that refuses (4xx) or fails (5xx).
/// </summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class RemoteWriteSenderTests : IAsyncLifetime
{
    private const int Series = 100;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-sender-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly SemaphoreSlim _storageGate = new(1, 1);
    private TsdbStorage _storage = null!;
    private VigilServer _vigil = null!;
    private long _appended;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_vigil is not null)
        {
            await _vigil.DisposeAsync();
        }
        _storage?.Dispose();
        _http.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    private static RemoteWriteOptions Remote(string url, RemoteQueueOptions? queue = null) => new()
    {
        Url = new Uri(url),
        Name = "peer",
        Queue = queue ?? new RemoteQueueOptions { BatchSendDeadline = TimeSpan.FromMilliseconds(200), MinBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromSeconds(1), MaxShards = 4 },
        Metadata = new RemoteMetadataOptions { Send = false },
    };

    private async Task StartVigilAsync(RemoteWriteOptions remote)
    {
        _storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dataDir, DisableBackgroundMaintenance = true });
        _vigil = new VigilServer(new VigilServerOptions
        {
            Listen = new ListenAddress("127.0.0.1", 0),
            CollectHost = false,
            CollectSelf = false,
            CollectionInterval = TimeSpan.FromHours(1),
            DataDirectory = _dataDir,
            RemoteWrite = [remote],
            ExternalLabels = LabelSet.Of("replica", "a"),
        }, _storage);
        await _vigil.StartAsync();
    }

    private async Task RestartVigilAsync(RemoteWriteOptions remote)
    {
        await _storageGate.WaitAsync();
        try
        {
            await _vigil.DisposeAsync();
            _storage.Dispose();
            await StartVigilAsync(remote);
        }
        finally
        {
            _storageGate.Release();
        }
    }

    /// <summary>Appends one sample to each of <see cref="Series"/> series every 100 ms until cancelled (1,000 samples/s).</summary>
    private async Task LoadAsync(CancellationToken ct)
    {
        long round = 0;
        while (!ct.IsCancellationRequested)
        {
            await _storageGate.WaitAsync(CancellationToken.None);
            try
            {
                long t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var app = _storage.Appender();
                for (int s = 0; s < Series; s++)
                {
                    app.Append(LabelSet.Of("__name__", "sender_load", "series", s.ToString("D3", CultureInfo.InvariantCulture)), t, round);
                }
                app.Commit();
                Interlocked.Add(ref _appended, Series);
            }
            finally
            {
                _storageGate.Release();
            }
            round++;
            try
            {
                await Task.Delay(100, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Per series (labels as text), the timestamps <c>/api/v1/export</c> returns, in order.</summary>
    private async Task<SortedDictionary<string, List<long>>> ExportAsync(Uri baseAddress, string match)
    {
        string body = await _http.GetStringAsync(new Uri(baseAddress, "api/v1/export?match[]=" + Uri.EscapeDataString(match)));
        var result = new SortedDictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var metric = doc.RootElement.GetProperty("metric").EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString()).Order(StringComparer.Ordinal);
            string key = string.Join(",", metric);
            if (!result.TryGetValue(key, out var list))
            {
                result[key] = list = [];
            }
            list.AddRange(doc.RootElement.GetProperty("timestamps").EnumerateArray().Select(t => t.GetInt64()));
            list.Sort();
        }
        return result;
    }

    private async Task<double> SelfMetricAsync(string name, string? labelFragment = null)
    {
        string text = await _http.GetStringAsync(new Uri(_vigil.BaseAddress, "metrics"));
        double sum = 0;
        foreach (string line in text.Split('\n'))
        {
            if ((line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
                && (labelFragment is null || line.Contains(labelFragment, StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    [Fact]
    public async Task Send_VictoriaMetricsDownAndVigilRestarted_EverySampleArrivesExactlyOnceAndTheBacklogDrains()
    {
        // Note: VIGIL_REMOTE_OUTAGE_SECONDS=120 runs the two-minute outage; the default keeps the suite short.
        int outage = int.TryParse(Environment.GetEnvironmentVariable("VIGIL_REMOTE_OUTAGE_SECONDS"), out int o) && o > 0 ? o : 20;
        await using var vm = await VictoriaMetricsProcess.StartAsync();
        var remote = Remote(vm.WriteUrl);
        await StartVigilAsync(remote);
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(() => LoadAsync(stopLoad.Token));

        await Task.Delay(TimeSpan.FromSeconds(5));
        await vm.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(outage / 2.0));
        Assert.True(await SelfMetricAsync("vigil_remote_storage_samples_pending") > 0, "samples wait while the remote is down");
        await RestartVigilAsync(remote);
        await Task.Delay(TimeSpan.FromSeconds(outage / 2.0));
        await vm.RestartAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stopLoad.CancelAsync();
        await load;
        long appended = Interlocked.Read(ref _appended);

        SortedDictionary<string, List<long>> sent = [];
        string state = string.Empty;
        await Poll.UntilAsync(async () =>
        {
            using (await _http.GetAsync(new Uri(vm.BaseAddress, "internal/force_flush")))
            {
            }
            sent = await ExportAsync(vm.BaseAddress, "sender_load");
            double pending = await SelfMetricAsync("vigil_remote_storage_samples_pending");
            state = $"appended {appended}, in VictoriaMetrics {sent.Values.Sum(l => l.Count)}, pending {pending}";
            return pending == 0 && sent.Values.Sum(l => l.Count) >= appended;
        }, () => state + "\n" + vm.Output, TimeSpan.FromMinutes(3));

        var stored = await ExportAsync(_vigil.BaseAddress, "sender_load");
        Assert.Equal(Series, stored.Count);
        Assert.Equal(appended, stored.Values.Sum(l => l.Count));
        // Same series (plus the external label), same timestamps, none twice.
        Assert.Equal(stored.Keys.Select(k => k + ",replica=a").Select(k => string.Join(",", k.Split(',').Order(StringComparer.Ordinal))), sent.Keys);
        foreach (var (key, timestamps) in stored)
        {
            string sentKey = string.Join(",", (key + ",replica=a").Split(',').Order(StringComparer.Ordinal));
            Assert.Equal(timestamps, sent[sentKey]);
        }
        Assert.True(await SelfMetricAsync("vigil_remote_storage_samples_retried_total") > 0, "the outage caused retries");
        Assert.Equal(0, await SelfMetricAsync("vigil_remote_storage_samples_failed_total"));
        Assert.Equal(0, await SelfMetricAsync("vigil_remote_storage_samples_dropped_total"));
        double highestSent = await SelfMetricAsync("vigil_remote_storage_queue_highest_sent_timestamp_seconds");
        Assert.Equal(stored.Values.Max(l => l[^1]) / 1000.0, highestSent, 3);
    }

    [Fact]
    public async Task Send_RemoteAnswers400_DropsTheSamplesAndCountsThemByReason()
    {
        int requests = 0;
        await using var receiver = await TestWebServer.StartAsync(ctx =>
        {
            Interlocked.Increment(ref requests);
            ctx.Response.StatusCode = 400;
            return ctx.Response.WriteAsync("out of bounds");
        });
        await StartVigilAsync(Remote(new Uri(receiver.BaseAddress, "api/v1/write").ToString()));
        Append(30);

        await Poll.UntilAsync(async () => await SelfMetricAsync("vigil_remote_storage_samples_failed_total") == 30,
            () => $"requests {requests}", TimeSpan.FromSeconds(30));
        Assert.Equal(30, await SelfMetricAsync("vigil_remote_storage_samples_dropped_total", "reason=\"http_400\""));
        Assert.Equal(0, await SelfMetricAsync("vigil_remote_storage_samples_pending"));
        Assert.Equal(0, await SelfMetricAsync("vigil_remote_storage_samples_retried_total"));
        // Nothing is sent twice: one request carried the batch and was not retried.
        await Task.Delay(1000);
        Assert.Equal(1, requests);
    }

    [Fact]
    public async Task Send_RemoteAnswers503ThenRecovers_RetriesAfterRetryAfterAndDeliversEverySample()
    {
        var received = new List<(string Labels, long T, double V)>();
        var attempts = new List<DateTime>();
        await using var receiver = await TestWebServer.StartAsync(async ctx =>
        {
            int attempt;
            lock (attempts)
            {
                attempts.Add(DateTime.UtcNow);
                attempt = attempts.Count;
            }
            if (attempt <= 2)
            {
                ctx.Response.StatusCode = 503;
                ctx.Response.Headers.RetryAfter = "1";
                return;
            }
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer);
            var request = V1.WriteRequest.Parser.ParseFrom(Snappier.Snappy.DecompressToArray(buffer.ToArray()));
            lock (received)
            {
                foreach (var ts in request.Timeseries)
                {
                    string labels = string.Join(",", ts.Labels.Select(l => l.Name + "=" + l.Value));
                    received.AddRange(ts.Samples.Select(s => (labels, s.Timestamp, s.Value)));
                }
            }
            ctx.Response.StatusCode = 204;
        });
        await StartVigilAsync(Remote(new Uri(receiver.BaseAddress, "api/v1/write").ToString()));
        long t = Append(25);

        await Poll.UntilAsync(() => Task.FromResult(received.Count >= 25), () => $"received {received.Count}", TimeSpan.FromSeconds(30));
        Assert.Equal(
            Enumerable.Range(0, 25).Select(i => ($"__name__=sender_probe,replica=a,series={i:D3}", t, (double)i)).Order(),
            received.Order());
        Assert.Equal(50, await SelfMetricAsync("vigil_remote_storage_samples_retried_total"));
        Assert.Equal(0, await SelfMetricAsync("vigil_remote_storage_samples_failed_total"));
        // Retry-After: 1 is honoured although min_backoff is 50 ms.
        Assert.True(attempts[1] - attempts[0] >= TimeSpan.FromMilliseconds(900), $"retried after {(attempts[1] - attempts[0]).TotalMilliseconds} ms");
        Assert.True(attempts[2] - attempts[1] >= TimeSpan.FromMilliseconds(900), $"retried after {(attempts[2] - attempts[1]).TotalMilliseconds} ms");
    }

    private long Append(int count)
    {
        long t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var app = _storage.Appender();
        for (int i = 0; i < count; i++)
        {
            app.Append(LabelSet.Of("__name__", "sender_probe", "series", i.ToString("D3", CultureInfo.InvariantCulture)), t, i);
        }
        app.Commit();
        return t;
    }
}
