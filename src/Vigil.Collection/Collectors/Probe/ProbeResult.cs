namespace Vigil.Collection.Collectors.Probe;

/// <summary>What one probe saw; fields a probe kind does not measure stay null.</summary>
internal sealed class ProbeResult
{
    public bool Success { get; set; }

    /// <summary>Why the probe failed, for logs and tests; null on success.</summary>
    public string? Error { get; set; }

    public double DurationSeconds { get; set; }

    public double? DnsLookupSeconds { get; set; }

    /// <summary>4 or 6: the address family of the connection.</summary>
    public int? IpProtocol { get; set; }

    /// <summary>The final HTTP status code; 0 when no response arrived.</summary>
    public int StatusCode { get; set; }

    /// <summary>The Content-Length of the final response; -1 when absent.</summary>
    public long? ContentLength { get; set; }

    /// <summary>True when the final response came over TLS.</summary>
    public bool Ssl { get; set; }

    /// <summary>The earliest NotAfter of the server certificate and its chain.</summary>
    public DateTimeOffset? CertificateExpiry { get; set; }

    /// <summary>How many addresses a DNS probe resolved.</summary>
    public int? AnswerCount { get; set; }
}
