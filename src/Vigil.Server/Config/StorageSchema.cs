using Vigil.Server.Config.Binding;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>The <c>storage:</c> section's keys, declared onto <see cref="StorageConfig"/>.</summary>
internal static class StorageSchema
{
    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<StorageConfig> Root = new ConfigSchema<StorageConfig>()
        .Key("data_dir", Text.Where(d => d.Length > 0, _ => "must not be empty"), (o, v) => o with { DataDir = v })
        .Key("retention_time", Duration, (o, v) => o with { RetentionTime = v })
        .Key("max_future_timestamp", Duration, (o, v) => o with { MaxFutureTimestamp = v })
        .Key("retention_size", Bytes, (o, v) => o with { RetentionSize = v })
        .Key("wal_sync", OneOf(("interval", false), ("commit", true)), (o, v) => o with { WalSyncEveryCommit = v })
        .Custom("remote", (r, e, o) => o with { Remote = RemoteStorageSchema.Parse(r, e) })
        .Key("local", Bool, (o, v) => o with { Local = v })
        .Finish(b =>
        {
            if (!b.Value.Local && b.Value.Remote is null && b.Entries.FirstOrDefault(e => e.Key == "local") is { } local)
            {
                b.Reader.Invalid(local, "local: false needs a remote store (storage.remote), or there would be nowhere to keep data");
            }
            return b.Value;
        });

    /// <summary>Reads the section, resolving <c>data_dir</c> against the file's directory; problems are recorded in <paramref name="r"/>.</summary>
    public static StorageConfig Parse(ConfigReader r, ConfigEntry section)
    {
        var storage = Root.Bind(r, section.Value, section.Key, new StorageConfig())!;
        return storage.DataDir is { } dir ? storage with { DataDir = r.ResolvePath(dir) } : storage;
    }
}
