using Vigil.Core.Labels;

namespace Vigil.Tsdb.Wal;

/// <summary>One series in a WAL <see cref="WalRecordType.Series"/> record: the reference samples use, and its labels.</summary>
/// <param name="Ref">The series reference assigned by the head.</param>
/// <param name="Labels">The series' label set.</param>
public readonly record struct WalSeries(ulong Ref, LabelSet Labels);
