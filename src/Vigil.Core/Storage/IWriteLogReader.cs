namespace Vigil.Core.Storage;

/// <summary>Reads the records of a write-ahead log in order from a position, following the segment being written.</summary>
/// <remarks>
/// Not thread-safe. At the current end of the log <see cref="Next"/> returns <see cref="WriteLogRecordKind.None"/>; call it
/// again later to read what was written since. A record being written (torn at the end of the live segment) is not
/// returned until it is complete.
/// </remarks>
public interface IWriteLogReader : IDisposable
{
    /// <summary>Where the frame of the record last returned by <see cref="Next"/> starts (records of one atomic batch share it).</summary>
    WriteLogPosition Position { get; }

    /// <summary>
    /// Reads the next record: series are appended to <paramref name="series"/>, samples to <paramref name="samples"/>
    /// (both are cleared first); other record kinds are skipped.
    /// </summary>
    /// <exception cref="WriteLogGapException">The segment to read next was deleted (released by WAL truncation) or is damaged.</exception>
    WriteLogRecordKind Next(List<LoggedSeries> series, List<LoggedSample> samples);
}
