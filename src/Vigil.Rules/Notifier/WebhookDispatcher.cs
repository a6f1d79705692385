using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;

namespace Vigil.Rules.Notifier;

/// <summary>
/// Groups alerts for one webhook as Alertmanager does and delivers the notifications. A new group waits
/// <see cref="WebhookRoute.GroupWait"/>, then is flushed every <see cref="WebhookRoute.GroupInterval"/>: a notification
/// goes out when a firing alert is new, when a notified alert resolved, or when <see cref="WebhookRoute.RepeatInterval"/>
/// has passed since the last one. Notifications wait in a bounded outbox and are retried with exponential backoff.
/// </summary>
internal sealed class WebhookDispatcher : IAsyncDisposable
{
    private readonly WebhookRoute _route;
    private readonly HttpClient _http;
    private readonly NotifierMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly string _externalUrl;
    private readonly object _lock = new();
    private readonly Dictionary<LabelSet, AggregationGroup> _groups = new();
    private readonly LinkedList<byte[]> _outbox = new();
    private readonly SemaphoreSlim _groupSignal = new(0);
    private readonly SemaphoreSlim _outboxSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly KeyValuePair<string, object?> _receiverTag;
    private readonly Task _flushLoop;
    private readonly Task _sendLoop;

    public WebhookDispatcher(WebhookRoute route, HttpClient http, NotifierMetrics metrics, ILogger logger, TimeProvider clock, string externalUrl)
    {
        _route = route;
        _http = http;
        _metrics = metrics;
        _logger = logger;
        _clock = clock;
        _externalUrl = externalUrl;
        _receiverTag = new("receiver", route.Name);
        _flushLoop = Task.Run(FlushLoopAsync);
        _sendLoop = Task.Run(SendLoopAsync);
    }

    public string Name => _route.Name;

    public int QueueLength
    {
        get
        {
            lock (_lock)
            {
                return _outbox.Count;
            }
        }
    }

    private sealed class AggregationGroup(LabelSet groupLabels, DateTimeOffset nextFlush)
    {
        public LabelSet GroupLabels { get; } = groupLabels;

        public Dictionary<LabelSet, NotificationAlert> Alerts { get; } = new();

        public HashSet<LabelSet> NotifiedFiring { get; } = new();

        public DateTimeOffset NextFlush { get; set; } = nextFlush;

        public DateTimeOffset? LastNotified { get; set; }
    }

    /// <summary>Routes alerts matching the severity filter into their groups; never blocks on delivery.</summary>
    public void Add(IReadOnlyList<NotificationAlert> alerts)
    {
        var now = _clock.GetUtcNow();
        bool added = false;
        lock (_lock)
        {
            foreach (var a in alerts)
            {
                if (_route.Severities.Count > 0 && !_route.Severities.Contains(a.Labels.Get("severity")))
                {
                    continue;
                }
                var key = GroupLabels(a.Labels);
                if (!_groups.TryGetValue(key, out var g))
                {
                    if (a.IsResolvedAt(now))
                    {
                        // A resolved alert nobody was told about starts no group.
                        continue;
                    }
                    _groups[key] = g = new AggregationGroup(key, now + _route.GroupWait);
                }
                g.Alerts[a.Labels] = a;
                added = true;
            }
        }
        if (added)
        {
            _groupSignal.Release();
        }
    }

    private LabelSet GroupLabels(LabelSet labels)
    {
        if (_route.GroupBy.Contains("..."))
        {
            return labels;
        }
        var b = new LabelSetBuilder();
        foreach (string name in _route.GroupBy)
        {
            string v = labels.Get(name);
            if (v.Length > 0)
            {
                b.Set(name, v);
            }
        }
        return b.Build();
    }

    private async Task FlushLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            var now = _clock.GetUtcNow();
            DateTimeOffset? next = null;
            lock (_lock)
            {
                foreach (var g in _groups.Values.ToList())
                {
                    if (g.NextFlush <= now)
                    {
                        Flush(g, now);
                    }
                    if (_groups.ContainsKey(g.GroupLabels) && (next is null || g.NextFlush < next))
                    {
                        next = g.NextFlush;
                    }
                }
            }
            var wait = next is { } n ? n - _clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero)
            {
                wait = TimeSpan.Zero;
            }
            try
            {
                await _groupSignal.WaitAsync(wait, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Decides whether <paramref name="g"/> needs a notification now and queues it; called under the lock.</summary>
    private void Flush(AggregationGroup g, DateTimeOffset now)
    {
        var firing = g.Alerts.Values.Where(a => !a.IsResolvedAt(now)).ToList();
        var resolved = g.Alerts.Values.Where(a => a.IsResolvedAt(now)).ToList();
        bool newFiring = firing.Any(a => !g.NotifiedFiring.Contains(a.Labels));
        var resolvedNotified = resolved.Where(a => g.NotifiedFiring.Contains(a.Labels)).ToList();
        bool repeat = firing.Count > 0 && g.LastNotified is { } last && now - last >= _route.RepeatInterval;
        bool notify = newFiring || repeat || (_route.SendResolved && resolvedNotified.Count > 0);
        if (notify)
        {
            var payloadAlerts = firing.Concat(_route.SendResolved ? resolvedNotified : []).OrderBy(a => a.Labels).ToList();
            string groupKey = "{}:" + g.GroupLabels;
            Enqueue(NotificationJson.WebhookPayload(_route.Name, groupKey, g.GroupLabels, payloadAlerts, now, _externalUrl));
            g.LastNotified = now;
            g.NotifiedFiring.Clear();
            foreach (var a in firing)
            {
                g.NotifiedFiring.Add(a.Labels);
            }
        }
        else
        {
            g.NotifiedFiring.ExceptWith(resolved.Select(a => a.Labels));
        }
        foreach (var a in resolved)
        {
            g.Alerts.Remove(a.Labels);
        }
        if (g.Alerts.Count == 0)
        {
            _groups.Remove(g.GroupLabels);
            return;
        }
        g.NextFlush = now + _route.GroupInterval;
    }

    private void Enqueue(byte[] payload)
    {
        bool dropped = false;
        _outbox.AddLast(payload);
        if (_outbox.Count > Math.Max(1, _route.QueueCapacity))
        {
            _outbox.RemoveFirst();
            dropped = true;
        }
        if (dropped)
        {
            _metrics.Dropped.Add(1, _receiverTag, new("reason", "queue_full"));
            _logger.LogWarning("Webhook {Receiver}: outbox full, dropped the oldest notification", _route.Name);
        }
        _outboxSignal.Release();
    }

    private async Task SendLoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _outboxSignal.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            while (!ct.IsCancellationRequested)
            {
                byte[]? payload;
                lock (_lock)
                {
                    payload = _outbox.First?.Value;
                    if (payload is not null)
                    {
                        _outbox.RemoveFirst();
                    }
                }
                if (payload is null)
                {
                    break;
                }
                await DeliverAsync(payload, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task DeliverAsync(byte[] payload, CancellationToken ct)
    {
        var backoff = _route.InitialBackoff;
        for (int attempt = 1; attempt <= Math.Max(1, _route.MaxAttempts); attempt++)
        {
            if (attempt > 1)
            {
                _metrics.Retries.Add(1, _receiverTag);
                try
                {
                    await Task.Delay(backoff, _clock, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _route.MaxBackoff.Ticks));
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_route.Timeout);
            try
            {
                using var content = new ByteArrayContent(payload);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(_route.Url, content, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    _metrics.Sent.Add(1, _receiverTag);
                    return;
                }
                _metrics.Errors.Add(1, _receiverTag);
                _logger.LogWarning("Webhook {Receiver} answered {Status} (attempt {Attempt})", _route.Name, (int)response.StatusCode, attempt);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                _metrics.Errors.Add(1, _receiverTag);
                _logger.LogWarning("Webhook {Receiver} failed (attempt {Attempt}): {Error}", _route.Name, attempt, e.Message);
            }
            if (ct.IsCancellationRequested)
            {
                return;
            }
        }
        _metrics.Dropped.Add(1, _receiverTag, new("reason", "attempts_exhausted"));
        _logger.LogError("Webhook {Receiver}: giving up on a notification after {Attempts} attempts", _route.Name, _route.MaxAttempts);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_flushLoop, _sendLoop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        _stop.Dispose();
        _groupSignal.Dispose();
        _outboxSignal.Dispose();
    }
}
