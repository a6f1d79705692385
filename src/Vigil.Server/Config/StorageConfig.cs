namespace Vigil.Server.Config;

/// <summary>
/// The <c>storage:</c> section: where the embedded TSDB keeps its data and for how long. Every setting is optional; a
/// flag given to <c>vigil serve</c> wins over the file, and the file wins over the built-in default.
/// </summary>
public sealed record StorageConfig
{
    /// <summary>The data directory (<c>data_dir</c>), resolved against the configuration file's directory.</summary>
    public string? DataDir { get; init; }

    /// <summary>How long to keep data (<c>retention_time</c>); zero keeps it forever.</summary>
    public TimeSpan? RetentionTime { get; init; }

    /// <summary>Maximum bytes of blocks on disk (<c>retention_size</c>); zero for no limit.</summary>
    public long? RetentionSize { get; init; }

    /// <summary>
    /// When the write-ahead log is fsynced (<c>wal_sync</c>): true for <c>commit</c> (before each write is acknowledged),
    /// false for <c>interval</c> (group fsync every second).
    /// </summary>
    public bool? WalSyncEveryCommit { get; init; }

    /// <summary>How far ahead of the server's clock a sample may lie (<c>max_future_timestamp</c>, default 10m); later samples are refused.</summary>
    public TimeSpan? MaxFutureTimestamp { get; init; }

    /// <summary>
    /// A Prometheus-compatible store behind Vigil (<c>remote</c>): queries, rules, analysis and the optimizer read from
    /// it and what Vigil stores is remote-written to it; null keeps everything in the embedded TSDB.
    /// </summary>
    public Collection.Remote.RemoteStoreOptions? Remote { get; init; }

    /// <summary>
    /// Whether the embedded TSDB runs (<c>local</c>, true by default). With a remote store and <c>local: false</c> there
    /// is no local database at all; with <c>local: true</c> data is kept in both and queries merge them.
    /// </summary>
    public bool Local { get; init; } = true;
}
