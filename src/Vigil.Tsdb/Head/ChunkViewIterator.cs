using Vigil.Core.Storage;
using Vigil.Tsdb.Chunks;

namespace Vigil.Tsdb.Head;

/// <summary>Iterates a sequence of time-ordered, non-overlapping chunk views, clipped to [mint, maxt].</summary>
internal sealed class ChunkViewIterator : ISampleIterator
{
    private readonly XorIterator _it = new();
    private ChunkView[] _chunks = [];
    private int _ci;
    private long _mint;
    private long _maxt;
    private bool _inChunk;
    private bool _done;

    public void Reset(ChunkView[] chunks, long mint, long maxt)
    {
        _chunks = chunks;
        _ci = -1;
        _mint = mint;
        _maxt = maxt;
        _inChunk = false;
        _done = false;
        _positioned = false;
    }

    public long T => _it.T;

    public double V => _it.V;

    public Exception? Error => _it.Error;

    public bool Next()
    {
        if (_done)
        {
            return false;
        }
        while (true)
        {
            if (_inChunk)
            {
                if (_it.Next())
                {
                    if (_it.T < _mint && !_it.Seek(_mint))
                    {
                        if (_it.Error is not null)
                        {
                            return Finish();
                        }
                        _inChunk = false;
                        continue;
                    }
                    if (_it.T > _maxt)
                    {
                        return Finish();
                    }
                    _positioned = true;
                    return true;
                }
                if (_it.Error is not null)
                {
                    return Finish();
                }
                _inChunk = false;
            }
            if (!OpenNext(_mint))
            {
                return Finish();
            }
        }
    }

    public bool Seek(long t)
    {
        if (_done)
        {
            return false;
        }
        if (t < _mint)
        {
            t = _mint;
        }
        if (_positioned && _it.T >= t)
        {
            return true;
        }
        while (true)
        {
            if (_inChunk && _chunks[_ci].MaxTime >= t)
            {
                if (_it.Seek(t))
                {
                    if (_it.T > _maxt)
                    {
                        return Finish();
                    }
                    _positioned = true;
                    return true;
                }
                if (_it.Error is not null)
                {
                    return Finish();
                }
            }
            _inChunk = false;
            if (!OpenNext(t))
            {
                return Finish();
            }
        }
    }

    private bool _positioned;

    /// <summary>Opens the next chunk whose max time is ≥ <paramref name="t"/>, skipping others without decoding.</summary>
    private bool OpenNext(long t)
    {
        _positioned = false;
        while (++_ci < _chunks.Length)
        {
            var c = _chunks[_ci];
            if (c.MinTime > _maxt)
            {
                return false;
            }
            if (c.MaxTime >= t)
            {
                _it.Reset(c.Buffer, 0, c.Length, c.Count);
                _inChunk = true;
                return true;
            }
        }
        return false;
    }

    private bool Finish()
    {
        _done = true;
        _inChunk = false;
        _positioned = false;
        return false;
    }
}
