using Microsoft.Extensions.Logging;
using Vigil.Cli;
using Vigil.Core.Storage;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>A storage provider for in-process CLI runs: every data directory is the given in-memory storage.</summary>
internal sealed class FixedStorageProvider(MemoryStorage storage) : IStorageProvider
{
    public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => storage;

    public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => storage;

    public IStorage OpenInMemory() => new MemoryStorage();
}
