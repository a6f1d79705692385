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

    /// <summary>Runs the <c>vigil</c> command line in-process with <paramref name="storage"/> as every data directory; returns the exit code, output and errors.</summary>
    public static async Task<(int Code, string Out, string Err)> RunCliAsync(MemoryStorage storage, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new FixedStorageProvider(storage), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
