using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>A series as the write-ahead log records it: the reference its samples use, and its labels.</summary>
public readonly record struct LoggedSeries(ulong Ref, LabelSet Labels);
