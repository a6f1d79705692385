using Google.Protobuf;
using Vigil.Collection.Push.RemoteWrite.V1;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Collection.Remote;

/// <summary>
/// A batch that is remote-written (1.0: protobuf + snappy) on <see cref="Commit"/>, with the external labels added to
/// every series that lacks them. The commit returns when the store has acknowledged every request of the batch and
/// throws <see cref="RemoteStorageException"/> when it has not.
/// </summary>
/// <remarks>
/// Not buffered beyond the batch and not retried: a failed commit is reported to the caller (a push endpoint answers
/// with an error, a rule evaluation logs it), as with a local disk that failed. Large batches go out in requests of at
/// most <see cref="MaxSamplesPerRequest"/> samples; a failure part-way leaves the earlier requests written.
/// </remarks>
internal sealed class RemoteWriteAppender(RemoteApiClient client, LabelSet externalLabels) : IAppender
{
    /// <summary>The most samples in one remote-write request (VictoriaMetrics and Mimir accept far larger ones).</summary>
    internal const int MaxSamplesPerRequest = 50_000;

    private readonly Dictionary<LabelSet, List<Core.Model.Sample>> _series = new();
    private int _samples;
    private bool _done;

    public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (labels.Count == 0 || LabelValidation.Validate(labels) is not null)
        {
            error = AppendError.InvalidLabels;
            return false;
        }
        if (!_series.TryGetValue(labels, out var samples))
        {
            _series[labels] = samples = new List<Core.Model.Sample>(1);
        }
        samples.Add(new Core.Model.Sample(timestampMs, value));
        _samples++;
        error = AppendError.None;
        return true;
    }

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _done = true;
        var request = new WriteRequest();
        int inRequest = 0;
        foreach (var (labels, samples) in _series)
        {
            var ts = new TimeSeries();
            foreach (var l in WithExternal(labels))
            {
                ts.Labels.Add(new Push.RemoteWrite.V1.Label { Name = l.Name, Value = l.Value });
            }
            samples.Sort(static (a, b) => a.T.CompareTo(b.T));
            foreach (var s in samples)
            {
                ts.Samples.Add(new Push.RemoteWrite.V1.Sample { Timestamp = s.T, Value = s.V });
            }
            request.Timeseries.Add(ts);
            inRequest += samples.Count;
            if (inRequest >= MaxSamplesPerRequest)
            {
                Send(request);
                request = new WriteRequest();
                inRequest = 0;
            }
        }
        if (inRequest > 0)
        {
            Send(request);
        }
        _series.Clear();
    }

    public void Rollback()
    {
        _done = true;
        _series.Clear();
        _samples = 0;
    }

    private LabelSet WithExternal(LabelSet labels)
    {
        foreach (var l in externalLabels)
        {
            if (!labels.Has(l.Name))
            {
                labels = labels.With(l.Name, l.Value);
            }
        }
        return labels;
    }

    private void Send(WriteRequest request) => client.Write(Snappier.Snappy.CompressToArray(request.ToByteArray()), CancellationToken.None);

    /// <summary>Samples in the batch (for tests).</summary>
    internal int Count => _samples;
}
