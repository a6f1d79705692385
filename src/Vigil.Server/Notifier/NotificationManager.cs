using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Server.Rules;

namespace Vigil.Server.Notifier;

/// <summary>
/// Sends alerts to every configured Alertmanager (v2 API) and webhook (Alertmanager's webhook payload, grouped).
/// <see cref="Send(IReadOnlyList{NotificationAlert})"/> only enqueues, so rule evaluation never waits for a receiver;
/// an unreachable receiver fills a bounded queue (drops counted) and is retried with backoff.
/// </summary>
/// <remarks>Thread-safe. Dispose stops the background loops; undelivered alerts are lost (they are resent while firing).</remarks>
public sealed class NotificationManager : IAsyncDisposable
{
    private readonly AlertingOptions _options;
    private readonly HttpClient _http;
    private readonly NotifierMetrics _metrics;
    private readonly List<AlertmanagerSender> _alertmanagers = new();
    private readonly List<WebhookDispatcher> _webhooks = new();

    /// <summary>Starts the delivery loops for <paramref name="options"/>.</summary>
    public NotificationManager(AlertingOptions options, ILogger? logger = null, TimeProvider? clock = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var log = logger ?? NullLogger.Instance;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _metrics = new NotifierMetrics(QueueLengths);
        foreach (var am in options.Alertmanagers)
        {
            _alertmanagers.Add(new AlertmanagerSender(am, _http, _metrics, log, options.QueueCapacity, options.MaxBatchSize, options.RetryBackoff));
        }
        foreach (var route in options.Webhooks)
        {
            _webhooks.Add(new WebhookDispatcher(route, _http, _metrics, log, clock ?? TimeProvider.System, options.ExternalUrl));
        }
    }

    /// <summary>Alerts waiting for an Alertmanager or notifications waiting for a webhook, by receiver.</summary>
    public IReadOnlyDictionary<string, int> QueueLengthsByReceiver()
        => _alertmanagers.Select(a => (a.Name, a.QueueLength)).Concat(_webhooks.Select(w => (w.Name, w.QueueLength)))
            .GroupBy(x => x.Item1).ToDictionary(g => g.Key, g => g.Sum(x => x.Item2));

    /// <summary>Adapter for <see cref="RuleManager"/>'s notify callback.</summary>
    public void Send(AlertingRule rule, List<Alert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        Send([.. alerts.Select(a => NotificationAlert.FromRule(rule, a, _options.ExternalUrl))]);
    }

    /// <summary>Enqueues alerts for every receiver (external labels added); returns at once.</summary>
    public void Send(IReadOnlyList<NotificationAlert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }
        var withExternal = _options.ExternalLabels.Count == 0 ? alerts : alerts.Select(AddExternalLabels).ToList();
        foreach (var am in _alertmanagers)
        {
            am.Enqueue(withExternal);
        }
        foreach (var w in _webhooks)
        {
            w.Add(withExternal);
        }
    }

    private NotificationAlert AddExternalLabels(NotificationAlert a)
    {
        var b = new LabelSetBuilder(a.Labels);
        foreach (var l in _options.ExternalLabels)
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
        foreach (var a in _alertmanagers)
        {
            await a.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var w in _webhooks)
        {
            await w.DisposeAsync().ConfigureAwait(false);
        }
        _metrics.Dispose();
        _http.Dispose();
    }
}
