namespace Vigil.Tsdb.Wal;

/// <summary>One float sample in a WAL <see cref="WalRecordType.Samples"/> record.</summary>
/// <param name="Ref">The series reference, as logged in a <see cref="WalRecordType.Series"/> record.</param>
/// <param name="T">The timestamp in milliseconds since the Unix epoch.</param>
/// <param name="V">The value; its bits round-trip exactly (the staleness-marker NaN stays distinct from other NaNs).</param>
public readonly record struct WalSample(ulong Ref, long T, double V);
