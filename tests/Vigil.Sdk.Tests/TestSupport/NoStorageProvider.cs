using Microsoft.Extensions.Logging;
using Vigil.Cli;
using Vigil.Core.Storage;

namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>A storage provider for CLI commands that need none (profile): any use is a test failure.</summary>
internal sealed class NoStorageProvider : IStorageProvider
{
    public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => throw new InvalidOperationException("no storage in profile tests");

    public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => throw new InvalidOperationException("no storage in profile tests");

    public IStorage OpenInMemory() => throw new InvalidOperationException("no storage in profile tests");
}
