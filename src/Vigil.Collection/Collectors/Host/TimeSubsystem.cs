namespace Vigil.Collection.Collectors.Host;

/// <summary><c>node_time_seconds</c>, the system clock at collection, as node_exporter's <c>time</c> collector.</summary>
internal sealed class TimeSubsystem(TimeProvider clock) : IHostSubsystem
{
    public string Name => "time";

    public void Collect(SampleWriter writer)
        => writer.Add("node_time_seconds", clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
}
