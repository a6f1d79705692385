using Microsoft.Extensions.Logging;

namespace Vigil.Server.Hosting;

/// <summary>Hands ASP.NET Core's loggers to the caller's <see cref="ILoggerFactory"/>, which the server does not own.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the caller.
    }
}
