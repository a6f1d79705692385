using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>
/// A batch of appends that becomes visible atomically on <see cref="Commit"/> or is discarded by <see cref="Rollback"/>.
/// </summary>
/// <remarks>
/// Modelled on Prometheus's <c>storage.Appender</c>. An appender is used by one thread at a time and must end with
/// exactly one <see cref="Commit"/> or <see cref="Rollback"/>; afterwards it must not be reused. Many appenders may be
/// open concurrently on the same storage. Samples are invisible to queriers until commit. Durability: when
/// <see cref="Commit"/> returns, the batch is in the write-ahead log (and fsynced if the storage's sync policy says so).
/// Timestamps are milliseconds since the Unix epoch. The caller keeps ownership of <see cref="LabelSet"/> instances
/// (they are immutable).
/// </remarks>
public interface IAppender
{
    /// <summary>
    /// Adds one sample. <paramref name="seriesRef"/> may be <see cref="SeriesRef.None"/> or a reference returned earlier
    /// for the same labels; on success it receives the series' reference. Returns false with a reason when the sample
    /// is refused (it is then not part of the batch); refusals are counted by the storage.
    /// </summary>
    bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error);

    /// <summary>Makes all accepted samples of this batch durable and visible. Throws <see cref="StorageException"/> on I/O failure.</summary>
    void Commit();

    /// <summary>Discards the batch.</summary>
    void Rollback();
}

/// <summary>Convenience methods over <see cref="IAppender"/>.</summary>
public static class AppenderExtensions
{
    /// <summary>Adds a sample or throws a <see cref="StorageException"/> naming the series and timestamp.</summary>
    public static SeriesRef Append(this IAppender appender, SeriesRef seriesRef, LabelSet labels, long timestampMs, double value)
    {
        if (!appender.TryAppend(ref seriesRef, labels, timestampMs, value, out var error))
        {
            throw StorageException.ForAppend(error, labels, timestampMs);
        }
        return seriesRef;
    }

    /// <summary>Adds a sample for a new or known series or throws.</summary>
    public static SeriesRef Append(this IAppender appender, LabelSet labels, long timestampMs, double value)
        => appender.Append(SeriesRef.None, labels, timestampMs, value);
}
