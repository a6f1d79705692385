using Microsoft.Extensions.Logging;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>A logger factory whose loggers all write to one <see cref="ListLogger"/>.</summary>
internal sealed class ListLoggerFactory(ListLogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
