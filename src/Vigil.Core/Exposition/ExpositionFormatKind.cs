namespace Vigil.Core.Exposition;

/// <summary>The text exposition formats Vigil reads and writes.</summary>
public enum ExpositionFormatKind
{
    /// <summary>Prometheus text format 0.0.4 (and 1.0.0, which only adds quoted UTF-8 names).</summary>
    PrometheusText,

    /// <summary>OpenMetrics 1.0 text format.</summary>
    OpenMetrics,
}
