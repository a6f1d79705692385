namespace Vigil.Tsdb.Tests;

/// <summary>A wall clock a test sets by hand, in milliseconds since the epoch.</summary>
public sealed class TestClock(long nowMs) : TimeProvider
{
    public long NowMs { get; set; } = nowMs;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);
}
