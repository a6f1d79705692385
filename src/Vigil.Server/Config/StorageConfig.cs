namespace Vigil.Server.Config;

/// <summary>
/// The <c>storage:</c> section: where the embedded TSDB keeps its data and for how long. Every setting is optional; a
/// flag given to <c>vigil serve</c> wins over the file, and the file wins over the built-in default.
/// </summary>
public sealed class StorageConfig
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

    internal static StorageConfig Parse(ConfigReader r, ConfigEntry section)
    {
        string? dataDir = null;
        TimeSpan? retention = null;
        long? size = null;
        bool? syncEveryCommit = null;
        TimeSpan? maxFuture = null;
        Collection.Remote.RemoteStoreOptions? remote = null;
        bool local = true;
        ConfigEntry? localEntry = null;
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "data_dir":
                    string? dir = r.String(e);
                    if (dir is { Length: 0 })
                    {
                        r.Invalid(e, "must not be empty");
                    }
                    else if (dir is not null)
                    {
                        dataDir = r.ResolvePath(dir);
                    }
                    break;
                case "retention_time":
                    retention = r.Duration(e);
                    break;
                case "max_future_timestamp":
                    maxFuture = r.Duration(e);
                    break;
                case "retention_size":
                    size = r.Bytes(e);
                    break;
                case "wal_sync":
                    switch (r.String(e))
                    {
                        case null:
                            break;
                        case "interval":
                            syncEveryCommit = false;
                            break;
                        case "commit":
                            syncEveryCommit = true;
                            break;
                        case var other:
                            r.Invalid(e, $"expected interval or commit, got \"{other}\"");
                            break;
                    }
                    break;
                case "remote":
                    remote = RemoteStorageConfigParser.Parse(r, e);
                    break;
                case "local":
                    local = r.Bool(e) ?? true;
                    localEntry = e;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (!local && remote is null && localEntry is { } le)
        {
            r.Invalid(le, "local: false needs a remote store (storage.remote), or there would be nowhere to keep data");
        }
        return new StorageConfig
        {
            DataDir = dataDir, RetentionTime = retention, RetentionSize = size, WalSyncEveryCommit = syncEveryCommit, MaxFutureTimestamp = maxFuture,
            Remote = remote, Local = local,
        };
    }
}
