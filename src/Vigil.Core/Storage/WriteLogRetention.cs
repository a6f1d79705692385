namespace Vigil.Core.Storage;

/// <summary>What a write-ahead-log reader still needs: segments from <paramref name="Segment"/> on, within <paramref name="MaxBytes"/> of disk (0: no limit).</summary>
public readonly record struct WriteLogRetention(int Segment, long MaxBytes);
