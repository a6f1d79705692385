using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Vigil.Collection.Collectors;
using Vigil.Core.Exposition;

namespace Vigil.Server.Metrics;

/// <summary>
/// Vigil's own metrics: <c>process_*</c>, <c>vigil_build_info</c>, the .NET runtime meter and every <c>Vigil.*</c> meter.
/// The one source for both <c>/metrics</c> and the <see cref="SelfCollector"/>, so both always show the same names.
/// </summary>
/// <remarks>Thread-safe. Dispose stops listening to meters.</remarks>
internal sealed class SelfMetrics : IDisposable
{
    private readonly MeterAggregator _meters;
    private readonly ProcessMetrics _process;
    private readonly MetricFamily _buildInfo;

    public SelfMetrics(ILogger logger, Procfs? procfs = null)
    {
        _meters = new MeterAggregator(warn: message => logger.LogWarning("{Message}", message));
        _meters.AddMeters(DefaultMeterFilter);
        _process = new ProcessMetrics(procfs ?? Procfs.Default);
        string version = typeof(SelfMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(SelfMetrics).Assembly.GetName().Version?.ToString() ?? "unknown";
        _buildInfo = new MetricFamily("vigil_build_info", MetricType.Gauge,
                "A metric with a constant '1' value labeled by the version of Vigil and of the .NET runtime it runs on.")
            .Add(1, "dotnet_version", RuntimeInformation.FrameworkDescription, "version", version);
    }

    /// <summary>True for <c>System.Runtime</c> and meters whose name starts with <c>Vigil.</c>.</summary>
    public static bool DefaultMeterFilter(System.Diagnostics.Metrics.Meter meter)
        => meter.Name == "System.Runtime" || meter.Name.StartsWith("Vigil.", StringComparison.Ordinal);

    /// <summary>Collects all families, sorted by name.</summary>
    public List<MetricFamily> Collect()
    {
        var families = new List<MetricFamily>(64) { _buildInfo };
        _process.Collect(families);
        _meters.Collect(families);
        families.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return families;
    }

    /// <inheritdoc />
    public void Dispose() => _meters.Dispose();
}
