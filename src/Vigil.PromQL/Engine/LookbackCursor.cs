using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Engine;

/// <summary>
/// Walks one series' iterator forward to answer "latest sample in (ref - lookback, ref]" for non-decreasing reference
/// times, seeking over gaps so each sample is read at most once. A staleness marker as the latest sample means no value.
/// </summary>
internal sealed class LookbackCursor
{
    private ISampleIterator? _it;
    private bool _started;
    private bool _hasCur;
    private bool _hasPrev;
    private long _curT;
    private double _curV;
    private long _prevT;
    private double _prevV;

    public void Reset(ISampleIterator it)
    {
        _it = it;
        _started = false;
        _hasCur = false;
        _hasPrev = false;
    }

    public bool At(long refTime, long lookback, out long t, out double v)
    {
        long minExclusive = refTime - lookback;
        if (!_started)
        {
            _started = true;
            SeekTo(minExclusive + 1);
        }
        else
        {
            if (_hasPrev && _prevT <= minExclusive)
            {
                _hasPrev = false;
            }
            if (_hasCur && _curT <= minExclusive)
            {
                SeekTo(minExclusive + 1);
            }
        }
        while (_hasCur && _curT <= refTime)
        {
            _prevT = _curT;
            _prevV = _curV;
            _hasPrev = true;
            Advance();
        }
        if (_hasPrev && _prevT > minExclusive && !StaleMarker.IsStaleNaN(_prevV))
        {
            t = _prevT;
            v = _prevV;
            return true;
        }
        t = 0;
        v = 0;
        return false;
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
}
