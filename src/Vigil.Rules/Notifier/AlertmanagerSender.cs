using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Vigil.Rules.Notifier;

/// <summary>
/// Delivers alerts to one Alertmanager: a bounded queue (the oldest alerts are dropped and counted when it is full)
/// drained in batches by a background loop that retries a failed batch with exponential backoff. Enqueueing never blocks.
/// </summary>
internal sealed class AlertmanagerSender : IAsyncDisposable
{
    private readonly AlertmanagerTarget _target;
    private readonly HttpClient _http;
    private readonly NotifierMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly int _batchSize;
    private readonly TimeSpan _backoff;
    private readonly LinkedList<NotificationAlert> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly KeyValuePair<string, object?> _receiverTag;
    private readonly Task _loop;

    public AlertmanagerSender(AlertmanagerTarget target, HttpClient http, NotifierMetrics metrics, ILogger logger, int capacity, int batchSize, TimeSpan backoff)
    {
        _target = target;
        _http = http;
        _metrics = metrics;
        _logger = logger;
        _capacity = Math.Max(1, capacity);
        _batchSize = Math.Max(1, batchSize);
        _backoff = backoff <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : backoff;
        _receiverTag = new("receiver", target.Url.ToString());
        _loop = Task.Run(RunAsync);
    }

    public string Name => _target.Url.ToString();

    public int QueueLength
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count;
            }
        }
    }

    public void Enqueue(IReadOnlyList<NotificationAlert> alerts)
    {
        int dropped = 0;
        lock (_queue)
        {
            foreach (var a in alerts)
            {
                _queue.AddLast(a);
                if (_queue.Count > _capacity)
                {
                    _queue.RemoveFirst();
                    dropped++;
                }
            }
        }
        if (dropped > 0)
        {
            _metrics.Dropped.Add(dropped, _receiverTag, new("reason", "queue_full"));
            _logger.LogWarning("Alert queue for {Alertmanager} is full; dropped {Count} oldest alerts", Name, dropped);
        }
        _signal.Release();
    }

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        var uri = new Uri(_target.Url, "api/v2/alerts");
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            while (!ct.IsCancellationRequested)
            {
                List<NotificationAlert> batch;
                lock (_queue)
                {
                    batch = _queue.Take(_batchSize).ToList();
                }
                if (batch.Count == 0)
                {
                    break;
                }
                bool ok = await PostAsync(uri, batch, ct).ConfigureAwait(false);
                if (ok)
                {
                    failures = 0;
                    lock (_queue)
                    {
                        // Note: only the sent alerts leave; the queue may have dropped some of them meanwhile.
                        foreach (var a in batch)
                        {
                            var node = _queue.First;
                            if (node is not null && ReferenceEquals(node.Value, a))
                            {
                                _queue.RemoveFirst();
                            }
                        }
                    }
                    _metrics.Sent.Add(batch.Count, _receiverTag);
                    continue;
                }
                failures++;
                _metrics.Retries.Add(1, _receiverTag);
                double factor = Math.Pow(2, Math.Min(failures - 1, 10));
                var wait = TimeSpan.FromMilliseconds(Math.Min(_backoff.TotalMilliseconds * factor, 30_000));
                try
                {
                    await Task.Delay(wait, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<bool> PostAsync(Uri uri, List<NotificationAlert> batch, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_target.Timeout);
        try
        {
            using var content = new ByteArrayContent(NotificationJson.AlertmanagerBatch(batch));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(uri, content, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return true;
            }
            string body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            _metrics.Errors.Add(1, _receiverTag);
            _logger.LogWarning("Alertmanager {Alertmanager} answered {Status}: {Body}", Name, (int)response.StatusCode, body);
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            _metrics.Errors.Add(1, _receiverTag);
            _logger.LogWarning("Sending {Count} alerts to Alertmanager {Alertmanager} failed: {Error}", batch.Count, Name, e.Message);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        _stop.Dispose();
        _signal.Dispose();
    }
}
