using Vigil.Core.Histograms;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Engine;

/// <summary>
/// The points of one series inside a sliding range (mint, maxt], kept in a pooled buffer and advanced step by step:
/// points falling out on the left are dropped, new ones read from the iterator on the right. Staleness markers are
/// skipped. Sample accounting is charged to the evaluator. The window also counts its decreases (a point below the one
/// before it), so counter functions can skip looking for resets in the common case of a window without any.
/// </summary>
internal sealed class RangeWindow : IDisposable
{
    private FPoint[] _buf = PointPool.Rent(16);
    private int _start;
    private int _count;
    private ISampleIterator? _it;
    private bool _started;
    private bool _hasCur;
    private long _curT;
    private double _curV;
    private FloatHistogram? _curH;
    private int _decreases;

    public int Count => _count;

    /// <summary>How many points in the window are lower than the point before them (counter resets, for counters).</summary>
    public int Decreases => _decreases;

    public ReadOnlySpan<FPoint> Span => _buf.AsSpan(_start, _count);

    public void Reset(ISampleIterator it)
    {
        _it = it;
        _started = false;
        _hasCur = false;
        _start = 0;
        _count = 0;
        _decreases = 0;
    }

    /// <summary>Forgets the buffered points without giving back their sample accounting.</summary>
    public void Clear()
    {
        _start = 0;
        _count = 0;
        _decreases = 0;
    }

    /// <summary>Releases the evaluator's accounting for the buffered points and forgets them.</summary>
    public void Release(Evaluator ev)
    {
        ev.CurrentSamples -= _count;
        Clear();
    }

    public void Fill(Evaluator ev, long mint, long maxt)
    {
        int drop = 0;
        while (drop < _count && _buf[_start + drop].T <= mint)
        {
            if (drop + 1 < _count && _buf[_start + drop + 1].F < _buf[_start + drop].F)
            {
                _decreases--;
            }
            drop++;
        }
        _start += drop;
        _count -= drop;
        if (drop > 0)
        {
            ev.CurrentSamples -= drop;
        }
        if (_count == 0)
        {
            _start = 0;
            _decreases = 0;
        }
        if (mint == maxt)
        {
            return;
        }
        long after = _count > 0 ? _buf[_start + _count - 1].T : mint;
        if (!_started)
        {
            _started = true;
            SeekTo(mint + 1);
        }
        else if (_hasCur && _curT <= mint)
        {
            SeekTo(mint + 1);
        }
        // Note: the accounting is charged in batches rather than per point, often enough that a huge range is refused
        // (too many samples, timeout, cancel) before its points fill memory.
        int added = 0;
        while (_hasCur && _curT <= maxt)
        {
            if (_curT > after && (_curH is not null || !StaleMarker.IsStaleNaN(_curV)))
            {
                Append(_curT, _curV, _curH);
                if (++added == ChargeBatch)
                {
                    Charge(ev, added);
                    added = 0;
                }
            }
            Advance();
        }
        if (added > 0)
        {
            Charge(ev, added);
        }
    }

    private const int ChargeBatch = 1 << 14;

    private static void Charge(Evaluator ev, int added)
    {
        ev.CurrentSamples += added;
        ev.Ctx.SamplesLoaded += added;
        ev.CheckSamples();
        ev.Ctx.Tick(added);
    }

    private void Append(long t, double v, FloatHistogram? h)
    {
        if (_start + _count == _buf.Length)
        {
            if (_start > 0)
            {
                Array.Copy(_buf, _start, _buf, 0, _count);
                _start = 0;
            }
            else
            {
                var next = PointPool.Rent(_buf.Length * 2);
                Array.Copy(_buf, next, _count);
                PointPool.Return(_buf);
                _buf = next;
            }
        }
        if (_count > 0 && v < _buf[_start + _count - 1].F)
        {
            _decreases++;
        }
        _buf[_start + _count] = new FPoint(t, v, h);
        _count++;
    }

    private void SeekTo(long t)
    {
        _hasCur = _it!.Seek(t);
        Load();
    }

    private void Advance()
    {
        _hasCur = _it!.Next();
        Load();
    }

    private void Load()
    {
        if (_hasCur)
        {
            _curT = _it!.T;
            _curV = _it.V;
            _curH = _it.H;
        }
        else if (_it!.Error is { } err)
        {
            throw new PromQLException(QueryErrorType.Execution, err.Message, null, err);
        }
    }

    public void Dispose()
    {
        PointPool.Return(_buf);
        _buf = [];
    }
}
