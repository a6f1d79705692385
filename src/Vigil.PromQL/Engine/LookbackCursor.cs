using Vigil.Core.Histograms;
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
    private FloatHistogram? _curH;
    private long _prevT;
    private double _prevV;
    private FloatHistogram? _prevH;

    public void Reset(ISampleIterator it)
    {
        _it = it;
        _started = false;
        _hasCur = false;
        _hasPrev = false;
    }

    public bool At(long refTime, long lookback, out long t, out double v) => At(refTime, lookback, out t, out v, out _);

    /// <summary>As <see cref="At(long, long, out long, out double)"/>, also giving the histogram of a histogram sample.</summary>
    public bool At(long refTime, long lookback, out long t, out double v, out FloatHistogram? h)
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
            _prevH = _curH;
            _hasPrev = true;
            Advance();
        }
        if (_hasPrev && _prevT > minExclusive && (_prevH is not null || !StaleMarker.IsStaleNaN(_prevV)))
        {
            t = _prevT;
            v = _prevV;
            h = _prevH;
            return true;
        }
        t = 0;
        v = 0;
        h = null;
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
            _curH = _it.H;
        }
        else if (_it!.Error is { } err)
        {
            throw new PromQLException(QueryErrorType.Execution, err.Message, null, err);
        }
    }
}
