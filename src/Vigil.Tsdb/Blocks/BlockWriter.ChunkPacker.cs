using Vigil.Core.Labels;
using Vigil.Tsdb.Chunks;
using ZstdSharp;

namespace Vigil.Tsdb.Blocks;

public sealed partial class BlockWriter
{
    /// <summary>
    /// Gathers one series' samples from chunks of any encoding and writes them as <see cref="ChunkEncoding.Block"/>
    /// chunks of at most <see cref="MaxSamplesPerChunk"/> samples. Not thread-safe; buffers are reused from series to series.
    /// </summary>
    private sealed class ChunkPacker(int level) : IDisposable
    {
        private readonly Compressor _compressor = new(level);
        private readonly ChunkIterator _it = new();
        private long[] _t = new long[1024];
        private double[] _v = new double[1024];
        private int _count;

        /// <summary>Adds the samples of <paramref name="chunk"/>; throws <see cref="InvalidDataException"/> naming the series when it does not decode.</summary>
        public void Add(LabelSet labels, ChunkMeta chunk)
        {
            _it.Reset(chunk.Data.Span, chunk.Encoding);
            while (_it.Next())
            {
                if (_count == _t.Length)
                {
                    Array.Resize(ref _t, _count * 2);
                    Array.Resize(ref _v, _count * 2);
                }
                _t[_count] = _it.T;
                _v[_count] = _it.V;
                _count++;
            }
            if (_it.Error is { } e)
            {
                throw new InvalidDataException($"series {labels}: chunk [{chunk.MinTime}, {chunk.MaxTime}] does not decode: {e.Message}", e);
            }
        }

        /// <summary>Writes the gathered samples as chunks of about equal size, adds their references, and returns the sample count.</summary>
        public int Flush(ChunkSegmentWriter writer, List<ChunkRefMeta> refs)
        {
            int n = _count;
            _count = 0;
            if (n == 0)
            {
                return 0;
            }
            int parts = (n + MaxSamplesPerChunk - 1) / MaxSamplesPerChunk;
            int start = 0;
            for (int p = 0; p < parts; p++)
            {
                int end = (int)((long)n * (p + 1) / parts);
                byte[] bytes = BlockChunk.Encode(_t.AsSpan(start, end - start), _v.AsSpan(start, end - start), _compressor);
                refs.Add(new ChunkRefMeta(_t[start], _t[end - 1], writer.Write(bytes, ChunkEncoding.Block)));
                start = end;
            }
            return n;
        }

        public void Dispose() => _compressor.Dispose();
    }
}
