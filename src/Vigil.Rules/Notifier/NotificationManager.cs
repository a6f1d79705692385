using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;

namespace Vigil.Rules.Notifier;

/// <summary>
/// Sends alerts to every configured Alertmanager (v2 API) and webhook (Alertmanager's webhook payload, grouped).
/// <see cref="Send(IReadOnlyList{NotificationAlert})"/> only enqueues, so rule evaluation never waits for a receiver;
/// an unreachable receiver fills a bounded queue (drops counted) and is retried with backoff.
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="ReconfigureAsync"/> swaps receivers while alerts flow; a receiver whose settings did not change
/// keeps its queue and, for webhooks, its groups (so a reload does not repeat notifications). Dispose stops the
/// background loops; undelivered alerts are lost (they are resent while firing).
/// </remarks>
public sealed class NotificationManager : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly NotifierMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly object _swapLock = new();
    private readonly SemaphoreSlim _reconfigureLock = new(1, 1);
    private AlertingOptions _options;
    private List<(string Key, AlertmanagerSender Sender)> _alertmanagers = new();
    private List<(string Key, WebhookDispatcher Dispatcher)> _webhooks = new();

    /// <summary>Starts the delivery loops for <paramref name="options"/>.</summary>
    public NotificationManager(AlertingOptions options, ILogger? logger = null, TimeProvider? clock = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _metrics = new NotifierMetrics(QueueLengths);
        foreach (var am in options.Alertmanagers)
        {
            _alertmanagers.Add((SenderKey(am, options), NewSender(am, options)));
        }
        foreach (var route in options.Webhooks)
        {
            _webhooks.Add((DispatcherKey(route, options), NewDispatcher(route, options)));
        }
    }

    /// <summary>The options in force.</summary>
    public AlertingOptions Options => Volatile.Read(ref _options);

    /// <summary>
    /// Puts <paramref name="options"/> in force: receivers with unchanged settings keep their queues and groups, new ones
    /// start, removed ones stop (their undelivered items are dropped).
    /// </summary>
    public async Task ReconfigureAsync(AlertingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        await _reconfigureLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var oldSenders = _alertmanagers.ToList();
            var oldDispatchers = _webhooks.ToList();
            var senders = new List<(string, AlertmanagerSender)>();
            var dispatchers = new List<(string, WebhookDispatcher)>();
            int kept = 0;
            foreach (var am in options.Alertmanagers)
            {
                string key = SenderKey(am, options);
                int i = oldSenders.FindIndex(s => s.Key == key);
                if (i >= 0)
                {
                    senders.Add(oldSenders[i]);
                    oldSenders.RemoveAt(i);
                    kept++;
                }
                else
                {
                    senders.Add((key, NewSender(am, options)));
                }
            }
            foreach (var route in options.Webhooks)
            {
                string key = DispatcherKey(route, options);
                int i = oldDispatchers.FindIndex(d => d.Key == key);
                if (i >= 0)
                {
                    dispatchers.Add(oldDispatchers[i]);
                    oldDispatchers.RemoveAt(i);
                    kept++;
                }
                else
                {
                    dispatchers.Add((key, NewDispatcher(route, options)));
                }
            }
            // Note: Send enqueues under this lock, so once it is released no alert can reach a receiver being stopped.
            lock (_swapLock)
            {
                _alertmanagers = senders;
                _webhooks = dispatchers;
                Volatile.Write(ref _options, options);
            }
            foreach (var (_, gone) in oldSenders)
            {
                await gone.DisposeAsync().ConfigureAwait(false);
            }
            foreach (var (_, gone) in oldDispatchers)
            {
                await gone.DisposeAsync().ConfigureAwait(false);
            }
            _logger.LogInformation("Notifications go to {Alertmanagers} Alertmanagers and {Webhooks} webhooks ({Kept} receivers kept)",
                senders.Count, dispatchers.Count, kept);
        }
        finally
        {
            _reconfigureLock.Release();
        }
    }

    private AlertmanagerSender NewSender(AlertmanagerTarget am, AlertingOptions o)
        => new(am, _http, _metrics, _logger, o.QueueCapacity, o.MaxBatchSize, o.RetryBackoff);

    private WebhookDispatcher NewDispatcher(WebhookRoute route, AlertingOptions o)
        => new(route, _http, _metrics, _logger, _clock, o.ExternalUrl);

    private static string SenderKey(AlertmanagerTarget am, AlertingOptions o)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{am.Url}|{am.Timeout.Ticks}|{o.QueueCapacity}|{o.MaxBatchSize}|{o.RetryBackoff.Ticks}");

    private static string DispatcherKey(WebhookRoute r, AlertingOptions o)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{r.Name}|{r.Url}|{string.Join(',', r.GroupBy)}|{r.GroupWait.Ticks}|{r.GroupInterval.Ticks}|{r.RepeatInterval.Ticks}|{string.Join(',', r.Severities)}|{r.SendResolved}|{r.MaxAttempts}|{r.InitialBackoff.Ticks}|{r.MaxBackoff.Ticks}|{r.QueueCapacity}|{r.Timeout.Ticks}|{o.ExternalUrl}");

    /// <summary>Alerts waiting for an Alertmanager or notifications waiting for a webhook, by receiver.</summary>
    public IReadOnlyDictionary<string, int> QueueLengthsByReceiver()
    {
        List<(string Key, AlertmanagerSender Sender)> senders;
        List<(string Key, WebhookDispatcher Dispatcher)> dispatchers;
        lock (_swapLock)
        {
            senders = _alertmanagers;
            dispatchers = _webhooks;
        }
        return senders.Select(a => (a.Sender.Name, a.Sender.QueueLength)).Concat(dispatchers.Select(w => (w.Dispatcher.Name, w.Dispatcher.QueueLength)))
            .GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Sum(x => x.Item2));
    }

    /// <summary>Adapter for <see cref="RuleManager"/>'s notify callback.</summary>
    public void Send(AlertingRule rule, List<Alert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        Send([.. alerts.Select(a => NotificationAlert.FromRule(rule, a, Options.ExternalUrl))]);
    }

    /// <summary>Enqueues alerts for every receiver (external labels added); returns at once.</summary>
    public void Send(IReadOnlyList<NotificationAlert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }
        lock (_swapLock)
        {
            var external = _options.ExternalLabels;
            var withExternal = external.Count == 0 ? alerts : alerts.Select(a => AddExternalLabels(a, external)).ToList();
            foreach (var (_, am) in _alertmanagers)
            {
                am.Enqueue(withExternal);
            }
            foreach (var (_, w) in _webhooks)
            {
                w.Add(withExternal);
            }
        }
    }

    private static NotificationAlert AddExternalLabels(NotificationAlert a, LabelSet external)
    {
        var b = new LabelSetBuilder(a.Labels);
        foreach (var l in external)
        {
            if (!a.Labels.Has(l.Name))
            {
                b.Set(l.Name, l.Value);
            }
        }
        return a with { Labels = b.Build() };
    }

    private IEnumerable<Measurement<long>> QueueLengths()
    {
        foreach (var (name, length) in QueueLengthsByReceiver())
        {
            yield return new Measurement<long>(length, new KeyValuePair<string, object?>("receiver", name));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _reconfigureLock.WaitAsync().ConfigureAwait(false);
        foreach (var (_, a) in _alertmanagers)
        {
            await a.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var (_, w) in _webhooks)
        {
            await w.DisposeAsync().ConfigureAwait(false);
        }
        _metrics.Dispose();
        _http.Dispose();
        _reconfigureLock.Dispose();
    }
}
