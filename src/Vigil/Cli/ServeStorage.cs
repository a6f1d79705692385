using Microsoft.Extensions.Logging;
using Vigil.Collection.Remote;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Cli;

/// <summary>
/// What <c>vigil serve</c> stores into and queries: the embedded TSDB alone (the default), a remote store alone
/// (<c>storage.remote</c> with <c>local: false</c>: no local database), or both (<c>local: true</c>: appends go to both,
/// queries merge both).
/// </summary>
internal static class ServeStorage
{
    /// <summary>Opens the storage <paramref name="settings"/> describe; the caller closes it with <see cref="ServeCommand.CloseAsync"/>.</summary>
    public static IStorage Open(IStorageProvider provider, StorageSettings settings, ILoggerFactory loggers)
    {
        if (settings.Remote is not { } remoteOptions)
        {
            return provider.Open(settings, loggers);
        }
        var log = loggers.CreateLogger("Vigil.Remote");
        var remote = new RemoteStorage(remoteOptions);
        if (!settings.Local)
        {
            log.LogInformation("Storage: remote store {Url} only (storage.local: false); queries are evaluated there, writes are remote-written to {WriteUrl}",
                remoteOptions.BaseUrl, remoteOptions.EffectiveWriteUrl);
            return remote;
        }
        IStorage local;
        try
        {
            local = provider.Open(settings, loggers);
        }
        catch
        {
            remote.Dispose();
            throw;
        }
        log.LogInformation("Storage: embedded TSDB in {DataDir} and remote store {Url}; queries merge both, writes go to both", settings.DataDir, remoteOptions.BaseUrl);
        return new FanoutStorage(local, remote, e => log.LogWarning("Remote store write failed (the local TSDB has the data): {Error}", e.Message));
    }

    /// <summary>The remote store's options with <c>global.external_labels</c> on everything written.</summary>
    public static RemoteStoreOptions WithExternalLabels(RemoteStoreOptions options, LabelSet externalLabels) => new()
    {
        Url = options.Url,
        Type = options.Type,
        WriteUrl = options.WriteUrl,
        Headers = options.Headers,
        BasicAuth = options.BasicAuth,
        Authorization = options.Authorization,
        Tls = options.Tls,
        Timeout = options.Timeout,
        MaxResponseBytes = options.MaxResponseBytes,
        ExternalLabels = externalLabels,
    };
}
