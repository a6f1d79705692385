namespace Vigil.Tsdb.Head;

/// <summary>Where the head makes a commit durable before applying it (the write-ahead log).</summary>
internal interface IHeadLog
{
    /// <summary>Writes the series records then the samples of one commit; returns when durable per the sync policy.</summary>
    void Log(IReadOnlyList<MemSeries> newSeries, IReadOnlyList<PendingSample> samples);
}

/// <summary>A sample waiting in an appender for commit.</summary>
internal readonly record struct PendingSample(MemSeries Series, long T, double V);
