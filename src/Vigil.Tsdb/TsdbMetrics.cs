using System.Diagnostics.Metrics;

namespace Vigil.Tsdb;

/// <summary>Publishes TSDB statistics as <c>System.Diagnostics.Metrics</c> instruments on the <c>Vigil.Tsdb</c> meter.</summary>
internal sealed class TsdbMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vigil.Tsdb";

    private readonly Meter _meter;

    public TsdbMetrics(TsdbStorage db)
    {
        _meter = new Meter(MeterName);
        var head = db.Head;
        _meter.CreateObservableGauge("vigil.tsdb.head.series", () => (long)head.SeriesCount, description: "Series in the head.");
        _meter.CreateObservableCounter("vigil.tsdb.head.samples_appended", () => head.Stats.SamplesAppended, description: "Samples committed into the head.");
        _meter.CreateObservableCounter("vigil.tsdb.head.series_created", () => head.Stats.SeriesCreated, description: "Series created in the head.");
        _meter.CreateObservableCounter("vigil.tsdb.head.series_removed", () => head.Stats.SeriesRemoved, description: "Series removed from the head by truncation.");
        _meter.CreateObservableCounter("vigil.tsdb.out_of_order_samples", () => head.Stats.OutOfOrderSamples, description: "Samples refused as out of order.");
        _meter.CreateObservableCounter("vigil.tsdb.duplicate_samples", () => head.Stats.DuplicateSamples, description: "Samples refused: same timestamp, different value.");
        _meter.CreateObservableCounter("vigil.tsdb.too_old_samples", () => head.Stats.TooOldSamples, description: "Samples refused as older than the head accepts.");
        _meter.CreateObservableCounter("vigil.tsdb.invalid_label_samples", () => head.Stats.InvalidLabelSamples, description: "Samples refused for invalid labels.");
        _meter.CreateObservableGauge("vigil.tsdb.head.min_time", () => head.MinTime == long.MaxValue ? 0 : head.MinTime, unit: "ms", description: "Oldest timestamp in the head.");
        _meter.CreateObservableGauge("vigil.tsdb.head.max_time", () => head.MaxTime == long.MinValue ? 0 : head.MaxTime, unit: "ms", description: "Newest timestamp in the head.");
    }

    public void Dispose() => _meter.Dispose();
}
