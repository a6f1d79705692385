using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Scrape;

namespace Vigil.Collection.Remote;

/// <summary>
/// The sending side of one remote (Prometheus <c>storage/remote.QueueManager</c>): shards that batch and send, retries
/// with exponential backoff, the shard count following throughput, and the sequence number below which every sample
/// read from the WAL is acknowledged (what the remote's saved position is made of).
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="AppendAsync"/> and <see cref="ReshardAsync"/> are called by one WAL watcher; the shards run their
/// own loops. Outcomes of a request: 2xx acknowledges the batch; 5xx, 429 (with <c>retry_on_http_429</c>), timeouts and
/// network errors are retried forever (the WAL holds the data), waiting <c>Retry-After</c> when the remote sends it;
/// any other 4xx drops the batch, counted in <c>samples_failed_total</c> and <c>samples_dropped_total{reason="http_NNN"}</c>.
/// </remarks>
internal sealed class QueueManager : IAsyncDisposable
{
    private static readonly string UserAgent = "Vigil/" + (typeof(QueueManager).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0").Split('+')[0];
    private static readonly TimeSpan ShardUpdateInterval = TimeSpan.FromSeconds(10);

    private readonly RemoteStorageInstruments _instruments;
    private readonly ILogger _log;
    private readonly HttpClient _client;
    private readonly ConcurrentDictionary<string, string> _tlsFailures = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<IReadOnlyList<RemoteMetadata>>? _metadata;
    private readonly CancellationTokenSource _stop = new();
    private Shard[] _shards = [];
    private Task _updater = Task.CompletedTask;
    private Task _metadataLoop = Task.CompletedTask;
    private long _committedSeq;
    private long _samplesIn;
    private long _samplesOut;
    private long _sendTicks;
    private long _lastFailureTicks;
    private long _highestRead;
    private long _highestSent;
    private int _desiredShards;
    private double _inRate;
    private double _outRate;
    private double _sendSecondsRate;

    public QueueManager(RemoteWriteOptions options, RemoteStorageInstruments instruments, ILogger log, Func<IReadOnlyList<RemoteMetadata>>? metadata)
    {
        Options = options;
        _instruments = instruments;
        _log = log;
        _metadata = metadata;
        Tags = [new("remote_name", options.EffectiveName), new("url", options.Url.ToString())];
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.RemoteTimeout,
        };
        HttpClientSetup.ApplyTls(handler, options.Tls, _tlsFailures);
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _desiredShards = Math.Max(1, options.Queue.MinShards);
    }

    public RemoteWriteOptions Options { get; }

    public KeyValuePair<string, object?>[] Tags { get; }

    public int Shards => Volatile.Read(ref _shards).Length;

    public int DesiredShards => Volatile.Read(ref _desiredShards);

    public double Pending
    {
        get
        {
            long n = 0;
            foreach (var s in Volatile.Read(ref _shards))
            {
                n += s.Pending;
            }
            return n;
        }
    }

    public double HighestReadSeconds => Interlocked.Read(ref _highestRead) / 1000.0;

    public double HighestSentSeconds => Interlocked.Read(ref _highestSent) / 1000.0;

    /// <summary>The segment of the position last saved (set by the watcher).</summary>
    public double PositionSegment { get; set; }

    /// <summary>Set by the watcher after each sample it has handed to a shard or dropped: everything below is accounted for.</summary>
    public long CommittedSeq
    {
        get => Interlocked.Read(ref _committedSeq);
        set => Interlocked.Exchange(ref _committedSeq, value);
    }

    /// <summary>The lowest sequence number not yet acknowledged: every sample below it was sent (or refused for good).</summary>
    public long Watermark
    {
        get
        {
            // Note: read the committed number first; a sample committed later is either in a shard already or above it.
            long low = CommittedSeq;
            foreach (var s in Volatile.Read(ref _shards))
            {
                low = Math.Min(low, s.Lowest);
            }
            return low;
        }
    }

    public void Start()
    {
        _shards = NewShards(_desiredShards);
        _instruments.Register(this);
        _updater = Task.Run(() => UpdateShardsLoopAsync(_stop.Token));
        if (Options.Metadata.Send && _metadata is not null)
        {
            _metadataLoop = Task.Run(() => MetadataLoopAsync(_stop.Token));
        }
    }

    /// <summary>Hands one sample to its shard, waiting while the shard is full.</summary>
    public async ValueTask AppendAsync(PendingSample sample, CancellationToken ct)
    {
        Interlocked.Increment(ref _samplesIn);
        if (sample.T > Interlocked.Read(ref _highestRead))
        {
            Interlocked.Exchange(ref _highestRead, sample.T);
        }
        var shards = _shards;
        var shard = shards[(int)(sample.Series.Hash % (ulong)shards.Length)];
        int delay = 1;
        while (!shard.TryAppend(sample))
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 50);
        }
    }

    /// <summary>True when the throughput calls for another shard count (the watcher then calls <see cref="ReshardAsync"/> between samples).</summary>
    public bool WantsReshard => Volatile.Read(ref _desiredShards) != _shards.Length;

    /// <summary>Sends everything waiting, then replaces the shards by <see cref="DesiredShards"/> new ones (so no series is ever on two shards at once).</summary>
    public async Task ReshardAsync(CancellationToken ct)
    {
        int desired = Volatile.Read(ref _desiredShards);
        var old = _shards;
        foreach (var s in old)
        {
            await s.StopAsync(Timeout.InfiniteTimeSpan).WaitAsync(ct).ConfigureAwait(false);
        }
        Volatile.Write(ref _shards, NewShards(desired));
        _log.LogInformation("Remote-write {Remote}: resharded from {Old} to {New} shards", Options.EffectiveName, old.Length, desired);
    }

    /// <summary>Sends one batch until the remote acknowledges it or refuses it for good.</summary>
    public async Task SendBatchAsync(RemoteWriteEncoder encoder, ReadOnlyMemory<PendingSample> batch, CancellationToken ct)
    {
        var body = encoder.EncodeSamples(batch.Span);
        long maxT = long.MinValue;
        foreach (var s in batch.Span)
        {
            maxT = Math.Max(maxT, s.T);
        }
        var backoff = Options.Queue.MinBackoff;
        int attempt = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            var outcome = await PostAsync(body, ct).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (outcome.Status is >= 200 and < 300)
            {
                Interlocked.Add(ref _samplesOut, batch.Length);
                Interlocked.Add(ref _sendTicks, elapsed.Ticks);
                _instruments.Sent(this, batch.Length, body.Length, elapsed.TotalSeconds);
                long current;
                while (maxT > (current = Interlocked.Read(ref _highestSent)) && Interlocked.CompareExchange(ref _highestSent, maxT, current) != current)
                {
                }
                if (attempt > 0)
                {
                    _log.LogInformation("Remote-write {Remote}: sending again after {Attempts} failed attempts", Options.EffectiveName, attempt);
                }
                return;
            }
            if (!outcome.Retry)
            {
                _instruments.Failed(this, batch.Length, outcome.Status);
                _log.LogError("Remote-write {Remote}: {Count} samples dropped, the remote refused them: {Error}", Options.EffectiveName, batch.Length, outcome.Error);
                return;
            }
            Interlocked.Exchange(ref _lastFailureTicks, Environment.TickCount64);
            _instruments.Retried(this, batch.Length);
            if (attempt == 0 || attempt % 20 == 0)
            {
                _log.LogWarning("Remote-write {Remote}: sending {Count} samples failed, retrying (attempt {Attempt}): {Error}",
                    Options.EffectiveName, batch.Length, attempt + 1, outcome.Error);
            }
            attempt++;
            var wait = outcome.RetryAfter is { } after && after > backoff ? after : backoff;
            await Task.Delay(wait, ct).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, Options.Queue.MaxBackoff.Ticks));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_updater, _metadataLoop).ConfigureAwait(false);
        _instruments.Unregister(this);
        _client.Dispose();
        _stop.Dispose();
    }

    /// <summary>Stops the shards, giving them <paramref name="grace"/> to send what is waiting.</summary>
    public async Task StopShardsAsync(TimeSpan grace)
    {
        await Task.WhenAll(_shards.Select(s => s.StopAsync(grace))).ConfigureAwait(false);
    }

    private Shard[] NewShards(int count)
    {
        var shards = new Shard[count];
        for (int i = 0; i < count; i++)
        {
            shards[i] = new Shard(this, Options.Queue.Capacity, Options.Queue.MaxSamplesPerSend);
            shards[i].Start();
        }
        return shards;
    }

    private async Task<Outcome> PostAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.RemoteTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Options.Url);
            request.Content = new ReadOnlyMemoryContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-protobuf");
            request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "snappy");
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            request.Headers.TryAddWithoutValidation("X-Prometheus-Remote-Write-Version", "0.1.0");
            foreach (var (name, value) in Options.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            HttpClientSetup.AddAuthorization(request, Options.BasicAuth, Options.Authorization);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new Outcome(status, false, null, null);
            }
            string text = await ReadErrorAsync(response, timeout.Token).ConfigureAwait(false);
            string error = string.Create(CultureInfo.InvariantCulture, $"server returned HTTP status {status} {response.ReasonPhrase}: {text}");
            bool retry = status >= 500 || (status == 429 && Options.Queue.RetryOnRateLimit);
            return new Outcome(status, retry, error, retry ? RetryAfter(response) : null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Outcome(0, true, $"no answer within remote_timeout {Options.RemoteTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s", null);
        }
        catch (HttpRequestException e)
        {
            string error = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            if (_tlsFailures.TryGetValue(Options.Url.Host, out string? tls))
            {
                error = "TLS: " + tls;
            }
            return new Outcome(0, true, error, null);
        }
        catch (Exception e) when (e is ScrapeException or IOException)
        {
            return new Outcome(0, true, e.Message, null);
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var buffer = new byte[512];
            await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            int n = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, n).Trim();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            return string.Empty;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }
        if (header.Delta is { } delta)
        {
            return delta;
        }
        if (header.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : null;
        }
        return null;
    }

    private async Task UpdateShardsLoopAsync(CancellationToken ct)
    {
        long lastIn = 0, lastOut = 0, lastTicks = 0;
        using var timer = new PeriodicTimer(ShardUpdateInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                long samplesIn = Interlocked.Read(ref _samplesIn), samplesOut = Interlocked.Read(ref _samplesOut), ticks = Interlocked.Read(ref _sendTicks);
                double seconds = ShardUpdateInterval.TotalSeconds;
                _inRate = Ewma(_inRate, (samplesIn - lastIn) / seconds);
                _outRate = Ewma(_outRate, (samplesOut - lastOut) / seconds);
                _sendSecondsRate = Ewma(_sendSecondsRate, TimeSpan.FromTicks(ticks - lastTicks).TotalSeconds / seconds);
                (lastIn, lastOut, lastTicks) = (samplesIn, samplesOut, ticks);
                UpdateDesiredShards();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private static double Ewma(double previous, double current) => previous == 0 ? current : 0.8 * previous + 0.2 * current;

    /// <summary>Prometheus's <c>calculateDesiredShards</c>: shards enough to send what comes in plus 5% of the backlog per second, changed only beyond ±30%.</summary>
    private void UpdateDesiredShards()
    {
        var q = Options.Queue;
        int current = _shards.Length;
        if (_outRate <= 0 || Environment.TickCount64 - Interlocked.Read(ref _lastFailureTicks) < 2 * ShardUpdateInterval.TotalMilliseconds)
        {
            // Note: while the remote fails, more shards would only hammer it; keep the count until it answers again.
            return;
        }
        double timePerSample = _sendSecondsRate / _outRate;
        double backlogSeconds = Math.Max(0, (Interlocked.Read(ref _highestRead) - Interlocked.Read(ref _highestSent)) / 1000.0);
        double desired = timePerSample * (_inRate + 0.05 * backlogSeconds * _inRate);
        if (desired > current * 0.7 && desired < current * 1.3)
        {
            return;
        }
        int next = Math.Clamp((int)Math.Ceiling(desired), Math.Max(1, q.MinShards), Math.Max(1, q.MaxShards));
        Volatile.Write(ref _desiredShards, next);
    }

    private async Task MetadataLoopAsync(CancellationToken ct)
    {
        var encoder = new RemoteWriteEncoder();
        using var timer = new PeriodicTimer(Options.Metadata.SendInterval);
        try
        {
            do
            {
                var all = _metadata!();
                int per = Math.Max(1, Options.Metadata.MaxSamplesPerSend);
                for (int i = 0; i < all.Count; i += per)
                {
                    var chunk = all.Skip(i).Take(per).ToList();
                    var body = encoder.EncodeMetadata(chunk);
                    var outcome = await PostAsync(body, ct).ConfigureAwait(false);
                    if (outcome.Status is >= 200 and < 300)
                    {
                        _instruments.MetadataSent(this, chunk.Count);
                    }
                    else
                    {
                        // Note: metadata is sent again at the next interval anyway, so a failure is counted, not retried.
                        _instruments.MetadataFailed(this, chunk.Count);
                        _log.LogDebug("Remote-write {Remote}: sending metadata failed: {Error}", Options.EffectiveName, outcome.Error);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private readonly record struct Outcome(int Status, bool Retry, string? Error, TimeSpan? RetryAfter);
}
