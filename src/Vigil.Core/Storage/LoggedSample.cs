namespace Vigil.Core.Storage;

/// <summary>A float sample as the write-ahead log records it: series reference, time in milliseconds since the epoch, value.</summary>
public readonly record struct LoggedSample(ulong Ref, long T, double V);
