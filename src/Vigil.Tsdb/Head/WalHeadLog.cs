using System.Buffers;
using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Head;

/// <summary>Makes head commits durable: one WAL batch per commit holding a series record (new series) and a samples record.</summary>
internal sealed class WalHeadLog : IHeadLog
{
    private readonly WriteAheadLog _wal;

    [ThreadStatic]
    private static Buffers? t_buffers;

    public WalHeadLog(WriteAheadLog wal) => _wal = wal;

    public WriteAheadLog Wal => _wal;

    public void Log(IReadOnlyList<MemSeries> newSeries, IReadOnlyList<PendingSample> samples)
    {
        var b = t_buffers ??= new Buffers();
        b.Series.ResetWrittenCount();
        b.Samples.ResetWrittenCount();
        if (newSeries.Count > 0)
        {
            var arr = ArrayPool<WalSeries>.Shared.Rent(newSeries.Count);
            try
            {
                for (int i = 0; i < newSeries.Count; i++)
                {
                    arr[i] = new WalSeries(newSeries[i].Ref, newSeries[i].Labels);
                }
                WalRecords.EncodeSeries(arr.AsSpan(0, newSeries.Count), b.Series);
            }
            finally
            {
                ArrayPool<WalSeries>.Shared.Return(arr, clearArray: true);
            }
        }
        if (samples.Count > 0)
        {
            var arr = ArrayPool<WalSample>.Shared.Rent(samples.Count);
            try
            {
                for (int i = 0; i < samples.Count; i++)
                {
                    var p = samples[i];
                    arr[i] = new WalSample(p.Series.Ref, p.T, p.V);
                }
                WalRecords.EncodeSamples(arr.AsSpan(0, samples.Count), b.Samples);
            }
            finally
            {
                ArrayPool<WalSample>.Shared.Return(arr);
            }
        }
        if (b.Series.WrittenCount > 0)
        {
            _wal.Log(b.Series.WrittenMemory, b.Samples.WrittenMemory);
        }
        else
        {
            _wal.Log(b.Samples.WrittenSpan);
        }
    }

    private sealed class Buffers
    {
        public ArrayBufferWriter<byte> Series { get; } = new(4096);

        public ArrayBufferWriter<byte> Samples { get; } = new(64 * 1024);
    }
}
