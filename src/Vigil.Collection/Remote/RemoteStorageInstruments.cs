using System.Diagnostics.Metrics;

namespace Vigil.Collection.Remote;

/// <summary>
/// The remote-write sender's instruments (meter <c>Vigil.RemoteStorage</c>), exported on <c>/metrics</c> under
/// Prometheus's remote-storage names with Vigil's prefix: <c>vigil_remote_storage_samples_total</c>,
/// <c>…_samples_failed_total</c>, <c>…_samples_pending</c>, <c>…_shards</c>, … each labelled <c>remote_name</c> and <c>url</c>.
/// </summary>
/// <remarks>Thread-safe. The gauges read the registered queues when collected. Disposing ends the meter.</remarks>
internal sealed class RemoteStorageInstruments : IDisposable
{
    public const string MeterName = "Vigil.RemoteStorage";

    private readonly Meter _meter = new(MeterName);
    private readonly List<QueueManager> _queues = [];
    private readonly Counter<long> _samples;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _metadata;
    private readonly Counter<long> _metadataFailed;
    private readonly Counter<long> _released;
    private readonly Histogram<double> _duration;

    public RemoteStorageInstruments()
    {
        _samples = _meter.CreateCounter<long>("vigil.remote_storage.samples", "{sample}", "Samples sent to the remote and acknowledged.");
        _failed = _meter.CreateCounter<long>("vigil.remote_storage.samples.failed", "{sample}",
            "Samples the remote refused with a 4xx answer (not retried), by the answer's status code.");
        _retried = _meter.CreateCounter<long>("vigil.remote_storage.samples.retried", "{sample}", "Samples sent again after a 5xx, 429 or network error.");
        _dropped = _meter.CreateCounter<long>("vigil.remote_storage.samples.dropped", "{sample}",
            "Samples read from the WAL and not sent, by reason: relabel (write_relabel_configs), unknown_series (no series record), too_old (queue_config.sample_age_limit), http_4xx (refused by the remote).");
        _bytes = _meter.CreateCounter<long>("vigil.remote_storage.bytes", "By", "Compressed request bytes sent.");
        _metadata = _meter.CreateCounter<long>("vigil.remote_storage.metadata", "{entry}", "Metadata entries sent.");
        _metadataFailed = _meter.CreateCounter<long>("vigil.remote_storage.metadata.failed", "{entry}", "Metadata entries the remote refused.");
        _released = _meter.CreateCounter<long>("vigil.remote_storage.segments.released", "{segment}",
            "WAL segments deleted before the remote read them (its disk budget was exceeded, or the segment was damaged): their samples never reach it.");
        _duration = _meter.CreateHistogram<double>("vigil.remote_storage.sent_batch_duration", "s", "Time a request to the remote took.");
        Gauge("vigil.remote_storage.samples.pending", "{sample}", "Samples read from the WAL and not yet acknowledged by the remote.", q => q.Pending);
        Gauge("vigil.remote_storage.shards", "{shard}", "Shards sending in parallel now.", q => q.Shards);
        Gauge("vigil.remote_storage.shards.desired", "{shard}", "Shards the throughput calls for.", q => q.DesiredShards);
        Gauge("vigil.remote_storage.shards.max", "{shard}", "queue_config.max_shards.", q => q.Options.Queue.MaxShards);
        Gauge("vigil.remote_storage.shards.min", "{shard}", "queue_config.min_shards.", q => q.Options.Queue.MinShards);
        Gauge("vigil.remote_storage.shard_capacity", "{sample}", "queue_config.capacity.", q => q.Options.Queue.Capacity);
        Gauge("vigil.remote_storage.max_samples_per_send", "{sample}", "queue_config.max_samples_per_send.", q => q.Options.Queue.MaxSamplesPerSend);
        Gauge("vigil.remote_storage.highest_timestamp_in_seconds", "s", "The newest sample timestamp read from the WAL for this remote.", q => q.HighestReadSeconds);
        Gauge("vigil.remote_storage.queue_highest_sent_timestamp_seconds", "s", "The newest sample timestamp the remote acknowledged.", q => q.HighestSentSeconds);
        Gauge("vigil.remote_storage.wal_segment", "{segment}", "The WAL segment the remote's acknowledged position is in.", q => q.PositionSegment);
    }

    public void Register(QueueManager queue)
    {
        lock (_queues)
        {
            _queues.Add(queue);
        }
    }

    public void Unregister(QueueManager queue)
    {
        lock (_queues)
        {
            _queues.Remove(queue);
        }
    }

    public void Sent(QueueManager q, int samples, int bytes, double seconds)
    {
        _samples.Add(samples, q.Tags);
        _bytes.Add(bytes, q.Tags);
        _duration.Record(seconds, q.Tags);
    }

    public void Retried(QueueManager q, int samples) => _retried.Add(samples, q.Tags);

    public void Failed(QueueManager q, int samples, int status)
    {
        _failed.Add(samples, q.Tags);
        Dropped(q, samples, "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dropped(QueueManager q, long samples, string reason)
    {
        var tags = q.Tags;
        _dropped.Add(samples, tags[0], tags[1], new KeyValuePair<string, object?>("reason", reason));
    }

    public void MetadataSent(QueueManager q, int entries) => _metadata.Add(entries, q.Tags);

    public void MetadataFailed(QueueManager q, int entries) => _metadataFailed.Add(entries, q.Tags);

    public void Released(QueueManager q, int segments) => _released.Add(segments, q.Tags);

    public void Dispose() => _meter.Dispose();

    private void Gauge(string name, string unit, string help, Func<QueueManager, double> value)
        => _meter.CreateObservableGauge(name, () =>
        {
            lock (_queues)
            {
                var result = new List<Measurement<double>>(_queues.Count);
                foreach (var q in _queues)
                {
                    result.Add(new Measurement<double>(value(q), q.Tags));
                }
                return result;
            }
        }, unit, help);
}
