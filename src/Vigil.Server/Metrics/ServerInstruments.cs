using System.Diagnostics.Metrics;

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
        Collections = _meter.CreateCounter<long>("vigil.collector.collections", "{collection}",
            "Collections run by the built-in collectors, by collector and result (success or failure).");
        CollectionDuration = _meter.CreateHistogram<double>("vigil.collector.duration", "s",
            "Time one collection took, by collector.");
        SamplesAppended = _meter.CreateCounter<long>("vigil.collector.samples.appended", "{sample}",
            "Samples the built-in collectors appended to storage, by collector.");
        SamplesRefused = _meter.CreateCounter<long>("vigil.collector.samples.refused", "{sample}",
            "Samples of the built-in collectors that storage refused, by collector and reason.");
        HttpRequests = _meter.CreateCounter<long>("vigil.http.requests", "{request}",
            "HTTP requests served, by handler and status code.");
        HttpRequestDuration = _meter.CreateHistogram<double>("vigil.http.request.duration", "s",
            "Time to serve an HTTP request, by handler.");
        AuthFailures = _meter.CreateCounter<long>("vigil.http.auth.failures", "{request}",
            "HTTP requests refused by the access checks, by reason (unauthorized, forbidden, cross_origin, host_not_allowed, rate_limited).");
    }

    public Counter<long> Collections { get; }

    public Histogram<double> CollectionDuration { get; }

    public Counter<long> SamplesAppended { get; }

    public Counter<long> SamplesRefused { get; }

    public Counter<long> HttpRequests { get; }

    public Histogram<double> HttpRequestDuration { get; }

    public Counter<long> AuthFailures { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
