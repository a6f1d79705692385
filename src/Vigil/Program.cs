using Microsoft.Extensions.Logging;
using Vigil.Cli;
using Vigil.Core.Storage;
using Vigil.Tsdb;

namespace Vigil;

/// <summary>Entry point of the vigil command-line tool and its composition root: the one place that wires in the embedded TSDB.</summary>
public static class Program
{
    /// <summary>Runs the CLI; the exit code is 0 on success, 1 on failure, 2 on a usage error.</summary>
    public static async Task<int> Main(string[] args)
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
        await using (stdout.ConfigureAwait(false))
        {
            return await VigilCli.RunAsync(args, new TsdbStorageProvider(), stdout, Console.Error, root =>
            {
                root.Add(ImportCommand.Create(stdout, Console.Error));
                root.Add(ServeCommand.CreateAgent(new AgentStorageProvider(), Console.Error));
            }).ConfigureAwait(false);
        }
    }

    /// <summary>Opens <see cref="TsdbStorage"/> for the CLI's commands.</summary>
    private sealed class TsdbStorageProvider : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => TsdbStorage.Open(new TsdbOptions
        {
            DataDir = settings.DataDir,
            Retention = settings.Retention,
            RetentionBytes = settings.RetentionBytes,
            MaxFutureTimestamp = settings.MaxFutureTimestamp,
            WalSync = settings.SyncEveryCommit ? Vigil.Tsdb.Wal.WalSyncMode.Commit : Vigil.Tsdb.Wal.WalSyncMode.Interval,
        }, loggers.CreateLogger("Vigil.Tsdb"));

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers)
            => TsdbStorage.Open(new TsdbOptions { DataDir = dataDir, ReadOnly = true, DisableBackgroundMaintenance = true }, loggers.CreateLogger("Vigil.Tsdb"));

        public IStorage OpenInMemory() => new HeadOnlyStorage();
    }

    /// <summary>Opens the WAL-only <see cref="Vigil.Tsdb.Agent.AgentStorage"/> for <c>vigil agent</c>.</summary>
    private sealed class AgentStorageProvider : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => Vigil.Tsdb.Agent.AgentStorage.Open(new Vigil.Tsdb.Agent.AgentOptions
        {
            DataDir = settings.DataDir,
            MaxFutureTimestamp = settings.MaxFutureTimestamp,
            WalSync = settings.SyncEveryCommit ? Vigil.Tsdb.Wal.WalSyncMode.Commit : Vigil.Tsdb.Wal.WalSyncMode.Interval,
        }, loggers.CreateLogger("Vigil.Agent"));

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => throw new NotSupportedException("an agent's data cannot be queried");

        public IStorage OpenInMemory() => throw new NotSupportedException("an agent always writes its WAL");
    }

    /// <summary>The TSDB head alone: in memory, no WAL, no blocks.</summary>
    private sealed class HeadOnlyStorage : IStorage
    {
        private readonly Vigil.Tsdb.Head.Head _head = new();

        public long StartTime => _head.MinTime;

        public IAppender Appender() => _head.Appender();

        public IQuerier Querier(long mint, long maxt) => _head.Querier(mint, maxt);
    }
}
