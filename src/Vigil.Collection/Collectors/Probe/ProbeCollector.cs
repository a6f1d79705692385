using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors.Probe;

/// <summary>
/// Network probes — TCP connect, HTTP(S) GET, DNS lookup — with blackbox_exporter's metric names: <c>probe_success</c>,
/// a <c>probe_duration_seconds</c> latency histogram of successful probes, <c>probe_dns_lookup_time_seconds</c>,
/// <c>probe_ip_protocol</c>, <c>probe_http_status_code</c>, <c>probe_http_ssl</c>, <c>probe_http_content_length</c>,
/// <c>probe_ssl_earliest_cert_expiry</c> and <c>probe_dns_answer_rrs</c>, each labelled <c>module</c> (tcp, http, dns)
/// and <c>target</c> (as configured).
/// </summary>
/// <remarks>
/// Probes run in the background, each on its own interval with its own timeout, starting at the first collection; a
/// collection writes the latest result of every probe, so a slow target never delays the collection loop. A failing
/// probe reports <c>probe_success 0</c> and is logged at most once a minute. Thread-safe; dispose to stop the probes.
/// </remarks>
internal sealed class ProbeCollector : ICollector, IDisposable
{
    private readonly TargetPoller _poller;
    private readonly bool _background;

    /// <summary>Creates the probes; throws <see cref="ArgumentException"/> naming the entry (<c>collectors.probe[i]</c>) when one is invalid.</summary>
    /// <param name="options">The configured probes.</param>
    /// <param name="logger">Where failures are logged (once a minute per probe).</param>
    /// <param name="background">False leaves probing to <see cref="RefreshAllAsync"/> (tests).</param>
    public ProbeCollector(IReadOnlyList<ProbeCollectorOptions> options, ILogger logger, bool background = true)
    {
        var errors = new TargetErrorLog(logger, "probe");
        var targets = new List<ProbeTarget>(options.Count);
        for (int i = 0; i < options.Count; i++)
        {
            string where = "collectors.probe[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            var o = options[i];
            string? problem = o.Validate();
            if (problem is not null)
            {
                throw new ArgumentException($"{where}: {problem}", nameof(options));
            }
            targets.Add(new ProbeTarget(o, errors, LoadTrustedRoots(o, where)));
        }
        Targets = targets;
        _poller = new TargetPoller(targets, logger);
        _background = background;
    }

    /// <inheritdoc />
    public string Name => "probe";

    /// <summary>The probes, in configuration order.</summary>
    internal IReadOnlyList<ProbeTarget> Targets { get; }

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        if (_background)
        {
            _poller.EnsureStarted();
        }
        _poller.Write(new SampleWriter(appender, timestampMs));
    }

    /// <summary>Runs every probe once now.</summary>
    internal Task RefreshAllAsync(CancellationToken cancellationToken = default) => _poller.RefreshAllAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _poller.Dispose();

    private static X509Certificate2Collection? LoadTrustedRoots(ProbeCollectorOptions options, string where)
    {
        if (options.CaFile is null)
        {
            return null;
        }
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(options.CaFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"{where}: ca_file: cannot load {options.CaFile}: {e.Message}", nameof(options), e);
        }
        if (roots.Count == 0)
        {
            throw new ArgumentException($"{where}: ca_file: {options.CaFile} holds no PEM certificate", nameof(options));
        }
        return roots;
    }
}
