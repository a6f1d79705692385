namespace Vigil.Server.Security;

/// <summary>The web configuration's <c>rate_limit</c>: one request per interval, with bursts up to a number of requests.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class TokenBucket(WebRateLimit limit, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private double _tokens = limit.Burst;
    private long _last = clock.GetTimestamp();

    /// <summary>Takes one token; false when none is left.</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            long now = clock.GetTimestamp();
            _tokens = Math.Min(limit.Burst, _tokens + (clock.GetElapsedTime(_last, now) / limit.Interval));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }
            _tokens--;
            return true;
        }
    }
}
