using System.Diagnostics.Metrics;
using Vigil.Collection.Collectors;

namespace Vigil.Server.Metrics;

/// <summary>The server's own instruments (meter <c>Vigil.Server</c>): collections, collected samples and HTTP requests.</summary>
/// <remarks>Thread-safe. One per <see cref="VigilServer"/>; disposing ends the meter.</remarks>
internal sealed class ServerInstruments : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "Vigil.Server";

    private readonly Meter _meter;

    public ServerInstruments()
    {
        _meter = new Meter(MeterName);
        Collectors = new CollectorInstruments(_meter);
        HttpRequests = _meter.CreateCounter<long>("vigil.http.requests", "{request}",
            "HTTP requests served, by handler and status code.");
        HttpRequestDuration = _meter.CreateHistogram<double>("vigil.http.request.duration", "s",
            "Time to serve an HTTP request, by handler.");
        AuthFailures = _meter.CreateCounter<long>("vigil.http.auth.failures", "{request}",
            "HTTP requests refused by the access checks, by reason (unauthorized, forbidden, cross_origin, host_not_allowed, rate_limited).");
    }

    /// <summary>The built-in collectors' instruments.</summary>
    public CollectorInstruments Collectors { get; }

    public Counter<long> HttpRequests { get; }

    public Histogram<double> HttpRequestDuration { get; }

    public Counter<long> AuthFailures { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
