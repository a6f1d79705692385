using System.Buffers;
using System.Net.Http.Headers;
using System.Reflection;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// Pushes <see cref="VigilMetrics"/> to a server on an interval: <c>POST {server}/api/v1/import/prometheus</c> with
/// the Prometheus text format as body (the import endpoint of Vigil and VictoriaMetrics), for apps a scraper cannot
/// reach. Every series gets the <see cref="Labels"/> (by default <c>job</c> = the entry assembly's name and
/// <c>instance</c> = the machine name) unless it has them already.
/// </summary>
/// <remarks>
/// A failed push (server down, non-2xx answer, timeout) is counted and described in <see cref="LastError"/>; the next
/// tick pushes the current values again, so nothing accumulates and the app is never disturbed.
/// </remarks>
public sealed class VigilMetricsPusher : IAsyncDisposable
{
    /// <summary>Path of the text import endpoint on the server.</summary>
    public const string ImportPath = "/api/v1/import/prometheus";

    private readonly VigilMetrics _metrics;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Label[] _labels;
    private readonly VigilServerCredentials? _credentials;
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private long _pushes;
    private long _failures;
    private volatile string? _lastError;

    /// <summary>
    /// Creates a pusher of <paramref name="metrics"/> to <paramref name="server"/> (its base URL); call
    /// <see cref="Start"/> or <see cref="PushAsync"/>. <paramref name="credentials"/> authenticate to a server with a web
    /// configuration (a token or user with the write scope); <paramref name="tls"/> says how to trust an https server
    /// (not with <paramref name="http"/>, whose handler decides that).
    /// </summary>
    public VigilMetricsPusher(VigilMetrics metrics, Uri server, TimeSpan? interval = null, IReadOnlyDictionary<string, string>? labels = null, HttpClient? http = null,
        VigilServerCredentials? credentials = null, VigilTlsOptions? tls = null)
    {
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        ArgumentNullException.ThrowIfNull(server);
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"server \"{server}\" must be an absolute http or https URL", nameof(server));
        }
        Interval = interval ?? TimeSpan.FromSeconds(15);
        if (Interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), Interval, "the push interval must be positive");
        }
        ImportUrl = new Uri(server, server.AbsolutePath.TrimEnd('/') + ImportPath);
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["job"] = Assembly.GetEntryAssembly()?.GetName().Name ?? "app",
            ["instance"] = Environment.MachineName,
        };
        if (labels is not null)
        {
            foreach (var (k, v) in labels)
            {
                if (!LabelValidation.IsValidLegacyLabelName(k))
                {
                    throw new ArgumentException($"label name \"{k}\" is not a valid Prometheus label name", nameof(labels));
                }
                all[k] = v;
            }
        }
        _labels = [.. all.Where(p => p.Value.Length > 0).Select(p => new Label(p.Key, p.Value)).Order()];
        if (http is not null && tls is not null)
        {
            throw new ArgumentException("give either an HttpClient or TLS options: the client's handler decides which certificates to trust", nameof(tls));
        }
        _credentials = credentials;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(tls?.CreateHandler() ?? new SocketsHttpHandler(), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The URL pushed to.</summary>
    public Uri ImportUrl { get; }

    /// <summary>The push interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The labels added to every series.</summary>
    public IReadOnlyList<Label> Labels => _labels;

    /// <summary>Successful pushes so far.</summary>
    public long Pushes => Interlocked.Read(ref _pushes);

    /// <summary>Failed pushes so far.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Why the latest push failed, or null after a success.</summary>
    public string? LastError => _lastError;

    /// <summary>Pushes the current metrics once; returns false (and sets <see cref="LastError"/>) on failure.</summary>
    public async Task<bool> PushAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            byte[] body = Render();
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(ExpositionFormat.PrometheusTextContentType);
            using var request = new HttpRequestMessage(HttpMethod.Post, ImportUrl) { Content = content };
            if (_credentials is not null)
            {
                request.Headers.Authorization = _credentials.ToHeader();
            }
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return Fail($"{ImportUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}: {(text.Length > 200 ? text[..200] : text)}");
            }
            Interlocked.Increment(ref _pushes);
            _lastError = null;
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            return Fail($"{ImportUrl}: {e.Message}");
        }
    }

    /// <summary>Starts pushing every <see cref="Interval"/> on the thread pool; calling it again does nothing.</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            return;
        }
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(Interval);
            do
            {
                await PushAsync(token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }, CancellationToken.None);
    }

    /// <summary>Stops the loop after pushing a last time.</summary>
    public async Task StopAsync()
    {
        if (_loop is null || _stop is null)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _loop = null;
        _stop.Dispose();
        _stop = null;
        await PushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>The payload with the push labels added to every series (re-parsed and re-written through Vigil's own parser and writer).</summary>
    internal byte[] Render()
    {
        byte[] payload = _metrics.ToArray();
        if (_labels.Length == 0)
        {
            return payload;
        }
        var families = ExpositionParser.ParseFamilies(payload, ExpositionFormatKind.PrometheusText);
        foreach (var family in families)
        {
            for (int i = 0; i < family.Samples.Count; i++)
            {
                var sample = family.Samples[i];
                var labels = sample.Labels;
                foreach (var l in _labels)
                {
                    if (!labels.Has(l.Name))
                    {
                        labels = labels.With(l.Name, l.Value);
                    }
                }
                family.Samples[i] = sample with { Labels = labels };
            }
        }
        var output = new ArrayBufferWriter<byte>(payload.Length + (payload.Length / 2));
        TextFormatWriter.Write(output, families, ExpositionFormatKind.PrometheusText);
        return output.WrittenSpan.ToArray();
    }

    private bool Fail(string error)
    {
        Interlocked.Increment(ref _failures);
        _lastError = error;
        return false;
    }
}
