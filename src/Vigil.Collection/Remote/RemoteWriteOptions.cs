using Vigil.Collection.Relabel;
using Vigil.Collection.Scrape;
using Vigil.Core.Config;
using Vigil.Core.Labels;

namespace Vigil.Collection.Remote;

/// <summary>One entry of <c>remote_write:</c> (Prometheus's <c>RemoteWriteConfig</c>): where to send the samples of the WAL, and how.</summary>
public sealed record RemoteWriteOptions
{
    /// <summary>The receiver's URL, e.g. <c>http://vminsert:8480/insert/0/prometheus/api/v1/write</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>The remote's name in metrics and logs (<c>remote_name</c>); a hash of the options when empty, as in Prometheus.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Time a request may take before it is abandoned and retried; 30 s by default.</summary>
    public TimeSpan RemoteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra HTTP headers on every request (e.g. <c>X-Scope-OrgID</c> for Mimir).</summary>
    [Secret("headers")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Basic authentication, or null.</summary>
    public BasicAuthConfig? BasicAuth { get; init; }

    /// <summary>The <c>Authorization</c> header (<c>authorization</c>, or <c>bearer_token</c>/<c>bearer_token_file</c>), or null.</summary>
    public AuthorizationConfig? Authorization { get; init; }

    /// <summary>TLS settings for an https URL.</summary>
    public TlsConfig Tls { get; init; } = TlsConfig.None;

    /// <summary>Relabelling applied to each series before it is sent; a series dropped here is not sent.</summary>
    public IReadOnlyList<RelabelConfig> WriteRelabelConfigs { get; init; } = [];

    /// <summary>Sharding, batching and retry settings.</summary>
    public RemoteQueueOptions Queue { get; init; } = new();

    /// <summary>Whether and how often metric metadata (type, help, unit) is sent.</summary>
    public RemoteMetadataOptions Metadata { get; init; } = new();

    /// <summary>Disk the WAL may keep for this remote while it cannot send (0: no limit); past it the oldest segments are released.</summary>
    public long MaxWalBytes { get; init; }

    /// <summary>The remote's name for metrics, logs and its position file: <see cref="Name"/>, or a hash of the URL.</summary>
    public string EffectiveName => Name.Length > 0 ? Name : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Url.ToString())))[..6];
}

/// <summary>Prometheus's <c>queue_config</c>: shards, batches and retries of one remote.</summary>
public sealed record RemoteQueueOptions
{
    /// <summary>Samples each shard buffers before reading the WAL pauses; 10,000 by default.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>Most shards (parallel senders); 50 by default.</summary>
    public int MaxShards { get; init; } = 50;

    /// <summary>Fewest shards, and the number started with; 1 by default.</summary>
    public int MinShards { get; init; } = 1;

    /// <summary>Most samples per request; 2,000 by default.</summary>
    public int MaxSamplesPerSend { get; init; } = 2_000;

    /// <summary>How long a shard waits for a full batch before it sends what it has; 5 s by default.</summary>
    public TimeSpan BatchSendDeadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry delay; doubled per failure up to <see cref="MaxBackoff"/>; 30 ms by default.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>The longest retry delay; 5 s by default.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether 429 Too Many Requests is retried (true) or dropped like other 4xx (false, Prometheus's default).</summary>
    public bool RetryOnRateLimit { get; init; }

    /// <summary>Samples older than this (by wall clock) are dropped instead of sent; zero (the default) sends every sample.</summary>
    public TimeSpan SampleAgeLimit { get; init; }
}

/// <summary>Prometheus's <c>metadata_config</c>.</summary>
public sealed record RemoteMetadataOptions
{
    /// <summary>Whether metadata is sent; true by default.</summary>
    public bool Send { get; init; } = true;

    /// <summary>How often all metadata is sent; 1 minute by default.</summary>
    public TimeSpan SendInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most metadata entries per request; 500 by default.</summary>
    public int MaxSamplesPerSend { get; init; } = 500;
}
