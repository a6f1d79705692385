using Microsoft.Extensions.Logging;
using Vigil.Collection.Remote;
using Vigil.Collection.Scrape;
using Vigil.Core.Storage;

namespace Vigil.Server;

/// <summary>The remote-write sender: one WAL watcher and queue per <c>remote_write</c> entry, reconfigured on reload.</summary>
public sealed partial class VigilServer
{
    private RemoteWriteManager? _remoteWrite;

    /// <summary>The remote-write sender, or null when no remote is configured.</summary>
    internal RemoteWriteManager? RemoteWrite => _remoteWrite;

    private async Task ApplyRemoteWriteAsync(VigilServerOptions options, CancellationToken ct)
    {
        if (options.RemoteWrite.Count == 0 && _remoteWrite is null)
        {
            return;
        }
        if (_remoteWrite is null)
        {
            if (_storage is not IWriteLog wal || options.DataDirectory is null)
            {
                _logger.LogError("remote_write is configured, but the storage has no write-ahead log to send from; nothing is sent");
                return;
            }
            _remoteWrite = new RemoteWriteManager(wal, options.DataDirectory, _loggerFactory, RemoteMetadata);
        }
        await _remoteWrite.ApplyAsync(options.RemoteWrite, options.ExternalLabels, ct).ConfigureAwait(false);
    }

    private async Task StopRemoteWriteAsync()
    {
        if (_remoteWrite is not null)
        {
            await _remoteWrite.DisposeAsync().ConfigureAwait(false);
            _remoteWrite = null;
        }
    }

    /// <summary>What targets, pushes and the server itself declared about their metrics, for <c>metadata_config</c>.</summary>
    private List<RemoteMetadata> RemoteMetadata()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<RemoteMetadata>();
        void Add(MetricMetadata md)
        {
            if (seen.Add(md.Metric))
            {
                result.Add(new RemoteMetadata(md.Metric, (int)md.Type, md.Help, md.Unit));
            }
        }
        foreach (var t in _scrape?.ActiveTargets() ?? [])
        {
            foreach (var md in t.Metadata)
            {
                Add(md);
            }
        }
        foreach (var md in _pushedMetadata.All().Concat(_selfMetadata.All()))
        {
            Add(md);
        }
        return result;
    }
}
