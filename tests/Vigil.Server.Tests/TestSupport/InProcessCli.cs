using Microsoft.Extensions.Logging;
using Vigil.Cli;
using Vigil.Core.Storage;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>The <c>vigil</c> CLI run in-process with captured output, for commands that talk to a server (no storage).</summary>
internal static class InProcessCli
{
    /// <summary>Runs <c>vigil <paramref name="args"/></c>; returns its exit code, stdout and stderr.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await VigilCli.RunAsync(args, new NoStorage(), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private sealed class NoStorage : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, ILoggerFactory loggers) => throw new InvalidOperationException("this command should not open storage");

        public ISampleQueryable OpenReadOnly(string dataDir, ILoggerFactory loggers) => throw new InvalidOperationException("this command should not open storage");

        public IStorage OpenInMemory() => throw new InvalidOperationException("this command should not open storage");
    }
}
