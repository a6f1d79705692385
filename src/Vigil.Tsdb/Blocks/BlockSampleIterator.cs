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
    }

    public long T => _it.T;

    public double V => _it.V;

    public Exception? Error => _error;

    public bool Next()
    {
        if (_done)
        {
            return false;
        }
        while (true)
        {
            if (_loaded)
            {
                while (_it.Next())
                {
                    long t = _it.T;
                    if (t > _maxt)
                    {
                        return Finish();
                    }
                    if (t >= _mint)
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
        if (_hasCur && _it.T >= t)
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
            while (_it.Next())
            {
                long ts = _it.T;
                if (ts >= t)
                {
                    if (ts > _maxt)
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

    private bool LoadChunk(int i)
    {
        _hasCur = false;
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
