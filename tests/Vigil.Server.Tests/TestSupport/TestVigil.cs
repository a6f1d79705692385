using Microsoft.Extensions.Logging;
using Vigil.Collection.Collectors;
using Vigil.Core.Storage;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// The one way tests host a <see cref="VigilServer"/> in-process: started on a free loopback port, with an
/// <see cref="HttpClient"/> on its base address; disposing it disposes both.
/// </summary>
internal sealed class TestVigil : IAsyncDisposable
{
    private TestVigil(VigilServer server, HttpClient http)
    {
        Server = server;
        Http = http;
    }

    /// <summary>A free port on 127.0.0.1.</summary>
    public static ListenAddress Loopback => new("127.0.0.1", 0);

    /// <summary>The server.</summary>
    public VigilServer Server { get; }

    /// <summary>A client on <see cref="VigilServer.BaseAddress"/>.</summary>
    public HttpClient Http { get; }

    /// <summary>A server that only answers what it is sent: no built-in collectors, collection once an hour.</summary>
    public static VigilServerOptions Quiet() => new()
    {
        Listen = Loopback,
        CollectHost = false,
        CollectSelf = false,
        CollectionInterval = TimeSpan.FromHours(1),
    };

    /// <summary>
    /// Starts a server with <paramref name="options"/> (<see cref="Quiet"/> when null) over <paramref name="storage"/>
    /// (a new <see cref="MemoryStorage"/> when null), with extra <paramref name="collectors"/> and a <paramref name="clock"/>
    /// when given; the client times out after <paramref name="httpTimeout"/> (30 s by default).
    /// </summary>
    public static async Task<TestVigil> StartAsync(VigilServerOptions? options = null, IStorage? storage = null, ILoggerFactory? loggerFactory = null,
        IReadOnlyList<ICollector>? collectors = null, TimeProvider? clock = null, TimeSpan? httpTimeout = null)
    {
        var server = new VigilServer(options ?? Quiet(), storage ?? new MemoryStorage(), loggerFactory, collectors ?? [], clock);
        try
        {
            await server.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return new TestVigil(server, new HttpClient { BaseAddress = server.BaseAddress, Timeout = httpTimeout ?? TimeSpan.FromSeconds(30) });
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
