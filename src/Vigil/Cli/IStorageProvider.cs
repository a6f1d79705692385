using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Cli;

/// <summary>How the CLI opens storage; the composition root (<c>Program.cs</c>) supplies the embedded TSDB.</summary>
/// <remarks>
/// The returned storage is owned by the caller, which disposes it when it implements <see cref="IDisposable"/> or
/// <see cref="IAsyncDisposable"/>. Failures (a data directory held by another process, corrupt files) are reported as
/// <see cref="StorageException"/> or <see cref="IOException"/> with a message naming the directory.
/// </remarks>
internal interface IStorageProvider
{
    /// <summary>Opens the data directory for reading and writing, taking its lock.</summary>
    IStorage Open(StorageSettings settings, ILoggerFactory loggers);

    /// <summary>Opens the data directory without taking the lock or writing anything; works while a server runs on it.</summary>
    ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers);

    /// <summary>Opens an empty in-memory storage (no files), for <c>vigil test rules</c>.</summary>
    IStorage OpenInMemory();
}

/// <summary>Storage settings from <c>vigil serve</c>'s flags.</summary>
/// <param name="DataDir">The data directory.</param>
/// <param name="Retention">How long to keep data; zero keeps it forever.</param>
/// <param name="RetentionBytes">Maximum bytes of blocks on disk; zero for no limit.</param>
/// <param name="SyncEveryCommit">True to fsync the WAL before every commit is acknowledged, false for group fsync every second.</param>
/// <param name="MaxFutureTimestamp">How far ahead of the clock a sample may lie; later ones are refused.</param>
/// <param name="Remote">A remote store behind Vigil (<c>storage.remote</c>), or null.</param>
/// <param name="Local">Whether the embedded TSDB runs (<c>storage.local</c>); false only with <paramref name="Remote"/>.</param>
internal sealed record StorageSettings(string DataDir, TimeSpan Retention, long RetentionBytes, bool SyncEveryCommit, TimeSpan MaxFutureTimestamp,
    Collection.Remote.RemoteStoreOptions? Remote = null, bool Local = true);
