using System.Diagnostics.Metrics;

namespace Vigil.Collection.Scrape;

/// <summary>The scrape manager's own instruments (meter <c>Vigil.Scrape</c>), exported on <c>/metrics</c> as <c>vigil_scrape_*</c>.</summary>
/// <remarks>Thread-safe. Disposing ends the meter.</remarks>
internal sealed class ScrapeInstruments : IDisposable
{
    public const string MeterName = "Vigil.Scrape";

    private readonly Meter _meter;

    public ScrapeInstruments(Func<IEnumerable<Measurement<long>>>? targets = null)
    {
        _meter = new Meter(MeterName);
        Scrapes = _meter.CreateCounter<long>("vigil.scrape.scrapes", "{scrape}",
            "Scrapes of targets, by scrape_job (the job name; job is Vigil's own) and result (success or failure).");
        SamplesRefused = _meter.CreateCounter<long>("vigil.scrape.samples.refused", "{sample}",
            "Scraped samples the storage refused, by scrape_job and reason (OutOfOrder, DuplicateTimestamp, TooOld, ...).");
        FileSdReadErrors = _meter.CreateCounter<long>("vigil.scrape.file_sd.read_errors", "{error}",
            "file_sd files that could not be read or parsed.");
        if (targets is not null)
        {
            _meter.CreateObservableGauge("vigil.scrape.targets", targets, "{target}", "Targets per scrape_job and state (active or dropped).");
        }
    }

    public Counter<long> Scrapes { get; }

    public Counter<long> SamplesRefused { get; }

    public Counter<long> FileSdReadErrors { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
