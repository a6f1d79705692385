using System.Diagnostics.Metrics;
using Vigil.Core.Storage;

namespace Vigil.Collection.Push.RemoteWrite;

/// <summary>The remote-write receiver's instruments (meter <c>Vigil.RemoteWrite</c>), exported on <c>/metrics</c> as <c>vigil_remote_write_*</c>.</summary>
/// <remarks>Thread-safe. Disposing ends the meter.</remarks>
internal sealed class RemoteWriteInstruments : IDisposable
{
    public const string MeterName = "Vigil.RemoteWrite";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _samplesWritten;
    private readonly Counter<long> _requestsRejected;
    private readonly Counter<long> _histogramsDropped;
    private readonly Counter<long> _exemplarsDropped;

    public RemoteWriteInstruments()
    {
        _samplesWritten = _meter.CreateCounter<long>("vigil.remote_write.samples.written", "{sample}",
            "Float samples received by remote-write and stored.");
        _requestsRejected = _meter.CreateCounter<long>("vigil.remote_write.requests.rejected", "{request}",
            "Remote-write requests refused as a whole (nothing of them stored), by reason: BadData or the storage's refusal (OutOfOrder, TooFarInFuture, ...).");
        _histogramsDropped = _meter.CreateCounter<long>("vigil.remote_write.histograms.dropped", "{sample}",
            "Native histogram samples received by remote-write and dropped (the storage does not hold them yet).");
        _exemplarsDropped = _meter.CreateCounter<long>("vigil.remote_write.exemplars.dropped", "{exemplar}",
            "Exemplars received by remote-write and dropped (the storage does not hold them yet).");
    }

    public void Written(long samples, long histograms, long exemplars)
    {
        _samplesWritten.Add(samples);
        if (histograms > 0)
        {
            _histogramsDropped.Add(histograms);
        }
        if (exemplars > 0)
        {
            _exemplarsDropped.Add(exemplars);
        }
    }

    public void Rejected(AppendError reason)
        => _requestsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason == AppendError.None ? "BadData" : reason.ToString()));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
