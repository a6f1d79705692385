using System.Diagnostics.Metrics;

namespace Vigil.Rules.Notifier;

/// <summary>
/// The notifier's instruments (meter <c>Vigil.Server.Notifier</c>): <c>vigil_notifications_sent_total</c>,
/// <c>vigil_notifications_errors_total</c>, <c>vigil_notifications_dropped_total</c>,
/// <c>vigil_notifications_retries_total</c> and <c>vigil_notifications_queue_length</c>, all by <c>receiver</c>.
/// </summary>
internal sealed class NotifierMetrics : IDisposable
{
    public const string MeterName = "Vigil.Server.Notifier";

    private readonly Meter _meter;

    public NotifierMetrics(Func<IEnumerable<Measurement<long>>> queueLengths)
    {
        _meter = new Meter(MeterName);
        Sent = _meter.CreateCounter<long>("vigil.notifications.sent", "{alert}", "Alerts delivered (Alertmanager) or notifications delivered (webhooks), by receiver.");
        Errors = _meter.CreateCounter<long>("vigil.notifications.errors", "{request}", "Failed delivery attempts, by receiver.");
        Dropped = _meter.CreateCounter<long>("vigil.notifications.dropped", "{item}", "Alerts or notifications dropped (queue full or out of attempts), by receiver and reason.");
        Retries = _meter.CreateCounter<long>("vigil.notifications.retries", "{request}", "Delivery retries, by receiver.");
        _meter.CreateObservableGauge("vigil.notifications.queue.length", queueLengths, "{item}", "Items waiting for delivery, by receiver.");
    }

    public Counter<long> Sent { get; }

    public Counter<long> Errors { get; }

    public Counter<long> Dropped { get; }

    public Counter<long> Retries { get; }

    public void Dispose() => _meter.Dispose();
}
