namespace Vigil.Core.Storage;

/// <summary>A write-ahead-log reader cannot read segment <see cref="Segment"/> (deleted by WAL truncation, or damaged); it may go on at <see cref="ResumeAt"/>.</summary>
public sealed class WriteLogGapException(string message, int segment, WriteLogPosition resumeAt) : Exception(message)
{
    /// <summary>The first segment that cannot be read.</summary>
    public int Segment { get; } = segment;

    /// <summary>Where reading can go on (the next segment that exists).</summary>
    public WriteLogPosition ResumeAt { get; } = resumeAt;
}
