namespace Vigil.Core.Storage;

/// <summary>A write-ahead-log reader cannot continue where it is: the segment is gone or damaged; it may go on at <see cref="ResumeAt"/>.</summary>
public sealed class WriteLogGapException(string message, WriteLogPosition resumeAt) : Exception(message)
{
    /// <summary>Where reading can go on (the next segment that exists).</summary>
    public WriteLogPosition ResumeAt { get; } = resumeAt;
}
