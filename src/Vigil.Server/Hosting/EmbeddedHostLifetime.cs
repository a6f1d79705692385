using Microsoft.Extensions.Hosting;

namespace Vigil.Server.Hosting;

/// <summary>
/// A host lifetime that does nothing: the embedded web host must not install its own Ctrl+C/SIGTERM handlers, because
/// whoever hosts <see cref="VigilServer"/> (the CLI or a test) decides when it stops.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
