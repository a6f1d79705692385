using Vigil.Core.Storage;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Blocks;

/// <summary>Iterates a block series' samples within an inclusive range, decoding one chunk at a time.</summary>
/// <remarks>
/// Reusable through <see cref="ISeries.Iterator"/>: the <see cref="ChunkIterator"/> and its buffers are kept.
/// <see cref="Seek"/> skips whole chunks by their time range without decoding them. A chunk that fails its CRC or
/// decodes badly stops iteration with <see cref="Error"/> set; no value from it is returned. Not thread-safe.
/// </remarks>
internal sealed class BlockSampleIterator : ISampleIterator
{
    private readonly ChunkIterator _it = new();
    private BlockQuerier? _querier;
    private ChunkRefMeta[] _chunks = [];
    private int _ci;
    private bool _loaded;
    private bool _hasCur;
    private bool _done;
    private long _mint;
    private long _maxt;
    private Exception? _error;

    // The current sample, and for a block chunk its decoded arrays and position (an XOR chunk is read through _it).
    private long _t;
    private double _v;
    private bool _block;
    private long[] _bt = [];
    private double[] _bv = [];
    private int _bi;
    private int _bn;

    public void Reset(BlockQuerier querier, ChunkRefMeta[] chunks, long mint, long maxt)
    {
        _querier = querier;
        _chunks = chunks;
        _mint = mint;
        _maxt = maxt;
        _ci = -1;
        _loaded = false;
        _hasCur = false;
        _done = false;
        _error = null;
        _block = false;
        _bn = 0;
        _bi = 0;
    }

    public long T => _t;

    public double V => _v;

    public Exception? Error => _error;

    public bool Next()
    {
        // Note: the common case, the next sample of a decoded block chunk inside the range, without further calls.
        int i = _bi + 1;
        if (_block && i < _bn && !_done)
        {
            long t = _bt[i];
            if (t >= _mint && t <= _maxt)
            {
                _bi = i;
                _t = t;
                _v = _bv[i];
                _hasCur = true;
                return true;
            }
        }
        return NextSlow();
    }

    private bool NextSlow()
    {
        if (_done)
        {
            return false;
        }
        while (true)
        {
            if (_loaded)
            {
                while (Step())
                {
                    if (_t > _maxt)
                    {
                        return Finish();
                    }
                    if (_t >= _mint)
                    {
                        _hasCur = true;
                        return true;
                    }
                }
                if (_it.Error is not null)
                {
                    return Fail(ChunkError(_it.Error));
                }
            }
            if (!LoadChunk(_ci + 1))
            {
                return false;
            }
        }
    }

    public bool Seek(long t)
    {
        if (_done)
        {
            return false;
        }
        if (_hasCur && _t >= t)
        {
            return true;
        }
        if (t < _mint)
        {
            t = _mint;
        }
        if (!_loaded || _chunks[_ci].MaxTime < t)
        {
            // Skip chunks that end before t without decoding them.
            int j = _ci + 1;
            while (j < _chunks.Length && _chunks[j].MaxTime < t)
            {
                j++;
            }
            if (!LoadChunk(j))
            {
                return false;
            }
        }
        while (true)
        {
            while (Step())
            {
                if (_t >= t)
                {
                    if (_t > _maxt)
                    {
                        return Finish();
                    }
                    _hasCur = true;
                    return true;
                }
            }
            if (_it.Error is not null)
            {
                return Fail(ChunkError(_it.Error));
            }
            if (!LoadChunk(_ci + 1))
            {
                return false;
            }
        }
    }

    /// <summary>Moves to the next sample of the loaded chunk; false at its end.</summary>
    private bool Step()
    {
        if (_block)
        {
            int i = _bi + 1;
            if (i >= _bn)
            {
                _bi = _bn;
                return false;
            }
            _bi = i;
            _t = _bt[i];
            _v = _bv[i];
            return true;
        }
        if (!_it.Next())
        {
            return false;
        }
        _t = _it.T;
        _v = _it.V;
        return true;
    }

    private bool LoadChunk(int i)
    {
        _hasCur = false;
        _block = false;
        if (i >= _chunks.Length || _chunks[i].MinTime > _maxt)
        {
            return Finish();
        }
        var querier = _querier!;
        if (querier.IsDisposed)
        {
            return Fail(new ObjectDisposedException(nameof(BlockQuerier), "the querier was disposed while an iterator was in use"));
        }
        ReadOnlySpan<byte> data;
        ChunkEncoding encoding;
        try
        {
            data = querier.Block.ChunkReader.Read(_chunks[i].Ref, out encoding);
        }
        catch (BlockCorruptedException e)
        {
            querier.Block.ReportDamage(e);
            return Fail(e);
        }
        _it.Reset(data, encoding);
        _block = !_it.IsXor;
        _bt = _it.Timestamps;
        _bv = _it.Values;
        _bn = _block ? _it.Count : 0;
        _bi = -1;
        _ci = i;
        _loaded = true;
        return true;
    }

    private BlockCorruptedException ChunkError(Exception e)
    {
        var (path, offset) = _querier!.Block.ChunkReader.Locate(_chunks[_ci].Ref);
        var error = new BlockCorruptedException(path, offset, e.Message, e);
        _querier.Block.ReportDamage(error);
        return error;
    }

    private bool Finish()
    {
        _done = true;
        _hasCur = false;
        return false;
    }

    private bool Fail(Exception e)
    {
        _error = e;
        return Finish();
    }
}
