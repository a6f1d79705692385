using System.Text;
using Vigil.Core.Labels;

namespace Vigil.Collection.Remote;

/// <summary>A series as one remote sends it: its labels after external labels and write relabelling, encoded once.</summary>
/// <remarks>Immutable, shared between the WAL watcher and the shards.</remarks>
internal sealed class RemoteSeries
{
    public RemoteSeries(LabelSet labels)
    {
        Labels = labels;
        Encoded = RemoteWriteEncoder.EncodeLabels(labels);
        Hash = labels.Hash;
        Name = labels.Name;
    }

    /// <summary>The labels sent.</summary>
    public LabelSet Labels { get; }

    /// <summary>The <c>labels</c> fields of a <c>prometheus.TimeSeries</c>, ready to copy into a request.</summary>
    public byte[] Encoded { get; }

    /// <summary>Picks the shard: a series always goes through the same shard, so its samples stay in order.</summary>
    public ulong Hash { get; }

    /// <summary>The metric name (for metadata lookups and logs).</summary>
    public string Name { get; }

    public override string ToString() => Labels.ToString();

    internal static int Utf8Length(string s) => Encoding.UTF8.GetByteCount(s);
}
