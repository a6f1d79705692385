namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>A clock that only moves when the test moves it.</summary>
/// <param name="start">The wall-clock time at the start.</param>
/// <param name="manualTimestamps">When true, <see cref="TimeProvider.GetTimestamp"/> follows the manual clock too (for
/// code that measures durations with the provider); otherwise it is the real stopwatch.</param>
internal sealed class ManualTimeProvider(DateTimeOffset start, bool manualTimestamps = false) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long TimestampFrequency => manualTimestamps ? TimeSpan.TicksPerSecond : base.TimestampFrequency;

    public override long GetTimestamp() => manualTimestamps ? _now.UtcTicks : base.GetTimestamp();

    public void Advance(TimeSpan by) => _now += by;
}
