using Vigil.Tsdb.Wal;

namespace Vigil.Tsdb;

/// <summary>Settings of an embedded TSDB instance.</summary>
public sealed class TsdbOptions
{
    /// <summary>The data directory (created if missing). Default <c>./data</c>.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>
    /// Keep blocks whose data is newer than this, counted back from the wall clock (never from the newest sample);
    /// default 15 days. Zero disables time retention.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(15);

    /// <summary>
    /// How far ahead of the clock a sample's timestamp may be; later samples are refused (default 10 minutes). This is
    /// what keeps one mistaken timestamp (seconds sent as milliseconds) from moving the head into the future. A margin
    /// of 1000 years or more means no limit.
    /// </summary>
    public TimeSpan MaxFutureTimestamp { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The wall clock for retention and the future-timestamp bound; the system clock unless a test sets one.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Maximum bytes of blocks on disk (WAL excluded); 0 disables size retention.</summary>
    public long RetentionBytes { get; set; }

    /// <summary>When the WAL is fsynced: before acknowledging each commit, or every <see cref="WalSyncInterval"/>.</summary>
    public WalSyncMode WalSync { get; set; } = WalSyncMode.Interval;

    /// <summary>Group fsync period for <see cref="WalSyncMode.Interval"/>; default 1 s.</summary>
    public TimeSpan WalSyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>WAL segment size in bytes; default 128 MiB.</summary>
    public long WalSegmentSize { get; set; } = 128L * 1024 * 1024;

    /// <summary>Duration of the head's blocks in ms; default 2 h.</summary>
    public long BlockRange { get; set; } = 2 * 3600 * 1000L;

    /// <summary>Open without taking the lock or writing anything (for <c>vigil dump</c> next to a running server).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>How often the background loop checks for head compaction, block compaction and retention.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Disables the background maintenance loop (tests drive <c>Maintain</c> themselves).</summary>
    public bool DisableBackgroundMaintenance { get; set; }
}
