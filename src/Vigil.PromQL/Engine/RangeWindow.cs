using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Engine;

/// <summary>
/// The points of one series inside a sliding range (mint, maxt], kept in a pooled buffer and advanced step by step:
/// points falling out on the left are dropped, new ones read from the iterator on the right. Staleness markers are
/// skipped. Sample accounting is charged to the evaluator.
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

    public int Count => _count;

    public ReadOnlySpan<FPoint> Span => _buf.AsSpan(_start, _count);

    public void Reset(ISampleIterator it)
    {
        _it = it;
        _started = false;
        _hasCur = false;
        _start = 0;
        _count = 0;
    }

    /// <summary>Forgets the buffered points without giving back their sample accounting.</summary>
    public void Clear()
    {
        _start = 0;
        _count = 0;
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
            drop++;
        }
        _start += drop;
        _count -= drop;
        ev.CurrentSamples -= drop;
        if (_count == 0)
        {
            _start = 0;
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
        while (_hasCur && _curT <= maxt)
        {
            if (_curT > after && !StaleMarker.IsStaleNaN(_curV))
            {
                Append(_curT, _curV);
                ev.CurrentSamples++;
                ev.CheckSamples();
                ev.Ctx.SamplesLoaded++;
            }
            Advance();
        }
    }

    private void Append(long t, double v)
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
        _buf[_start + _count] = new FPoint(t, v);
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
