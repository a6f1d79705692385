namespace Vigil.Tsdb.Head;

/// <summary>Counters the head keeps; all thread-safe (interlocked).</summary>
public sealed class HeadStats
{
    internal long _samplesAppended;
    internal long _outOfOrder;
    internal long _duplicates;
    internal long _tooOld;
    internal long _invalidLabels;
    internal long _seriesCreated;
    internal long _seriesRemoved;
    internal long _chunksRemoved;
    internal long _tooFarInFuture;
    internal long _outOfSpace;

    /// <summary>Samples committed into the head.</summary>
    public long SamplesAppended => Interlocked.Read(ref _samplesAppended);

    /// <summary>Samples refused because older than the series' newest sample.</summary>
    public long OutOfOrderSamples => Interlocked.Read(ref _outOfOrder);

    /// <summary>Samples refused because their timestamp exists with another value.</summary>
    public long DuplicateSamples => Interlocked.Read(ref _duplicates);

    /// <summary>Samples refused because older than the head accepts.</summary>
    public long TooOldSamples => Interlocked.Read(ref _tooOld);

    /// <summary>Samples refused because their timestamp lies beyond the clock plus the allowed margin.</summary>
    public long TooFarInFutureSamples => Interlocked.Read(ref _tooFarInFuture);

    /// <summary>Commits that failed because the disk was full (nothing of them was stored).</summary>
    public long OutOfSpaceErrors => Interlocked.Read(ref _outOfSpace);

    /// <summary>Samples refused because of invalid labels.</summary>
    public long InvalidLabelSamples => Interlocked.Read(ref _invalidLabels);

    /// <summary>Series ever created in the head.</summary>
    public long SeriesCreated => Interlocked.Read(ref _seriesCreated);

    /// <summary>Series removed by head truncation.</summary>
    public long SeriesRemoved => Interlocked.Read(ref _seriesRemoved);

    /// <summary>Chunks removed by head truncation.</summary>
    public long ChunksRemoved => Interlocked.Read(ref _chunksRemoved);
}
