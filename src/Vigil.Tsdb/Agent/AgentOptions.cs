using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb.Agent;

/// <summary>Settings of an <see cref="AgentStorage"/>.</summary>
public sealed class AgentOptions
{
    /// <summary>The data directory; the WAL lives in <c>wal/</c> under it. Default <c>./data-agent</c>.</summary>
    public string DataDir { get; set; } = "data-agent";

    /// <summary>How far ahead of the clock a sample's timestamp may be (default 10 minutes).</summary>
    public TimeSpan MaxFutureTimestamp { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>When the WAL is fsynced.</summary>
    public WalSyncMode WalSync { get; set; } = WalSyncMode.Interval;

    /// <summary>WAL segment size in bytes; default 128 MiB.</summary>
    public long WalSegmentSize { get; set; } = WalOptions.DefaultSegmentSize;

    /// <summary>How often segments every remote has sent are checkpointed and deleted; default 5 minutes.</summary>
    public TimeSpan TruncateInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A series with no sample for this long is forgotten at the next truncation; default 1 hour.</summary>
    public TimeSpan StaleSeriesAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The wall clock for the future-timestamp bound and stale series; the system clock unless a test sets one.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}
