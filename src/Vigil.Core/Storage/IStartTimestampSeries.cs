namespace Vigil.Core.Storage;

/// <summary>
/// A series that knows the start timestamp of its samples: when the counter (or delta) the sample measures started
/// counting (OpenTelemetry's start time, Prometheus's created timestamp). Optional: a series that does not implement it
/// has no start timestamps. Thread-safety and lifetime are those of the series.
/// </summary>
public interface IStartTimestampSeries : ISeries
{
    /// <summary>The start timestamp (ms since epoch) of the sample at <paramref name="t"/>; 0 when unknown.</summary>
    long StartTimestampAt(long t);
}
