using Vigil.Core.Storage;

namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>What became of one remote-write request.</summary>
/// <param name="Samples">Float samples stored (0 when the request was refused).</param>
/// <param name="HistogramsDropped">Native histogram samples received and dropped (the storage does not hold them yet).</param>
/// <param name="ExemplarsDropped">Exemplars received and dropped (the storage does not hold them yet).</param>
/// <param name="Error">Why nothing was stored, or null.</param>
/// <param name="Refusal">The storage's reason when a sample was refused; <see cref="AppendError.None"/> for malformed input.</param>
internal readonly record struct RemoteWriteResult(long Samples, long HistogramsDropped, long ExemplarsDropped, string? Error, AppendError Refusal);
