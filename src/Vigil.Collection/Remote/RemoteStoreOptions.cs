using Vigil.Collection.Scrape;
using Vigil.Core.Config;
using Vigil.Core.Labels;

namespace Vigil.Collection.Remote;

/// <summary>
/// The <c>storage.remote:</c> section: a Prometheus-compatible store (VictoriaMetrics, Mimir, Thanos, Prometheus) that
/// Vigil's queries, rules, analysis and optimizer read through its HTTP query API, and that Vigil writes into by
/// remote-write.
/// </summary>
public sealed class RemoteStoreOptions
{
    /// <summary>The only <see cref="Type"/> there is: Prometheus's HTTP query API (<c>/api/v1/query</c>, ...).</summary>
    public const string PrometheusApi = "prometheus-api";

    /// <summary>
    /// The query API's base URL, under which <c>api/v1/query</c> lives: <c>http://victoria:8428/</c>,
    /// <c>http://vmselect:8481/select/0/prometheus/</c>, <c>http://mimir:8080/prometheus/</c>.
    /// </summary>
    public required Uri Url { get; init; }

    /// <summary>The kind of API (<c>type</c>); <see cref="PrometheusApi"/>.</summary>
    public string Type { get; init; } = PrometheusApi;

    /// <summary>
    /// Where samples are remote-written (<c>write_url</c>); <c>api/v1/write</c> under <see cref="Url"/> when null (right
    /// for VictoriaMetrics single and Prometheus with its receiver; Mimir wants <c>/api/v1/push</c>, vminsert
    /// <c>/insert/0/prometheus/api/v1/write</c>).
    /// </summary>
    public Uri? WriteUrl { get; init; }

    /// <summary>Extra HTTP headers on every request (<c>headers</c>), e.g. Mimir's tenant <c>X-Scope-OrgID</c>.</summary>
    [Secret("headers")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>HTTP basic authentication (<c>basic_auth</c>).</summary>
    public BasicAuthConfig? BasicAuth { get; init; }

    /// <summary>The <c>Authorization</c> header (<c>authorization</c>, or <c>bearer_token</c>/<c>bearer_token_file</c> as sugar).</summary>
    public AuthorizationConfig? Authorization { get; init; }

    /// <summary>TLS settings (<c>tls_config</c>).</summary>
    public TlsConfig Tls { get; init; } = TlsConfig.None;

    /// <summary>How long one request may take (<c>timeout</c>); a query's own shorter timeout wins. 2 minutes by default.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The largest response body read (<c>max_response_size</c>); larger answers fail instead of filling memory. 256 MiB by default.</summary>
    public long MaxResponseBytes { get; init; } = 256L << 20;

    /// <summary>Labels added to every series written (<c>global.external_labels</c>), unless the series has the label already.</summary>
    public LabelSet ExternalLabels { get; init; } = LabelSet.Empty;

    /// <summary>The write URL in effect.</summary>
    public Uri EffectiveWriteUrl => WriteUrl ?? new Uri(BaseUrl, "api/v1/write");

    /// <summary><see cref="Url"/> with a trailing slash, so relative API paths resolve under it.</summary>
    public Uri BaseUrl => Url.AbsoluteUri.EndsWith('/') ? Url : new Uri(Url.AbsoluteUri + "/");
}
