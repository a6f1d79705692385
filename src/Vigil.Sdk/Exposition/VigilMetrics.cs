using System.Buffers;
using System.Runtime.InteropServices;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Sdk.Anomaly;
using Vigil.Sdk.Collectors;
using Vigil.Sdk.Profiling;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Exposition;

/// <summary>
/// What an app exposes on <c>/metrics</c>: a tool profiler's families, real-time collectors' gauges and the
/// instruments of any other meters the app names, written in the Prometheus text format or OpenMetrics.
/// </summary>
/// <remarks>Thread-safe; sources can be added while scrapes run. Each family is written once, so a payload stays valid.</remarks>
public sealed class VigilMetrics : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<RealTimeMetricsCollector> _collectors = new();
    private readonly List<TunableRegistry> _tunables = new();
    private readonly List<ToolAnomalyDetector> _detectors = new();
    private MeterAggregator? _meters;

    /// <summary>Creates the set of metrics around <paramref name="profiler"/> (optional).</summary>
    public VigilMetrics(ToolProfiler? profiler = null)
    {
        Profiler = profiler;
    }

    /// <summary>The profiler whose tools are exported, if any.</summary>
    public ToolProfiler? Profiler { get; }

    /// <summary>Adds a real-time collector; each of its metrics becomes a gauge with the newest value.</summary>
    public void AddCollector(RealTimeMetricsCollector collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        lock (_lock)
        {
            if (!_collectors.Contains(collector))
            {
                _collectors.Add(collector);
            }
        }
    }

    /// <summary>
    /// Exports what a watching <paramref name="detector"/> has seen: <c>vigil_tool_anomaly_score{tool}</c> (the latest
    /// checked run's Isolation Forest score), <c>vigil_tool_anomaly_threshold{tool}</c> (its baseline's threshold),
    /// <c>vigil_tool_anomaly_checks_total{tool}</c> and <c>vigil_tool_anomalies_total{tool,severity}</c>.
    /// </summary>
    public void AddAnomalyDetector(ToolAnomalyDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        lock (_lock)
        {
            if (!_detectors.Contains(detector))
            {
                _detectors.Add(detector);
            }
        }
    }

    /// <summary>
    /// Exports the knobs of <paramref name="registry"/>: <c>vigil_tunable_value{tunable}</c> for numeric ones,
    /// <c>vigil_tunable_state{tunable,value}</c> for enums and <c>vigil_tunable_changes_total{tunable}</c>.
    /// </summary>
    public void AddTunables(TunableRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        lock (_lock)
        {
            if (!_tunables.Contains(registry))
            {
                _tunables.Add(registry);
            }
        }
    }

    /// <summary>
    /// Exports the instruments of every meter named <paramref name="meterName"/> (counters, up-down counters, gauges,
    /// histograms and their observable forms), converted to Prometheus names as OpenTelemetry's exporter does.
    /// The profiler's own meter is exported directly and never through here.
    /// </summary>
    public void AddMeter(string meterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterName);
        if (Profiler is not null && meterName == Profiler.Meter.Name)
        {
            return;
        }
        lock (_lock)
        {
            (_meters ??= new MeterAggregator(SdkLabelNames.ForTag)).AddMeter(meterName);
        }
    }

    /// <summary>Writes the whole payload to <paramref name="output"/>.</summary>
    public void Write(IBufferWriter<byte> output, ExpositionFormatKind format = ExpositionFormatKind.PrometheusText)
    {
        var writer = new TextFormatWriter(output, format);
        if (Profiler is not null)
        {
            ProfilerMetricsWriter.Write(writer, Profiler);
        }
        RealTimeMetricsCollector[] collectors;
        TunableRegistry[] tunables;
        ToolAnomalyDetector[] detectors;
        MeterAggregator? meters;
        lock (_lock)
        {
            collectors = [.. _collectors];
            tunables = [.. _tunables];
            detectors = [.. _detectors];
            meters = _meters;
        }
        WriteCollectors(writer, collectors);
        WriteTunables(writer, tunables);
        WriteAnomalies(writer, detectors);
        // Note: tunables and anomaly detectors have meters too; an app that also adds those meters would get each family
        // twice (once natively, once through the meter), so the meter copies are left out.
        HashSet<string>? native = tunables.Length + detectors.Length == 0 ? null
            : [.. tunables.Select(t => t.Meter.Name), .. detectors.Select(d => d.Meter.Name)];
        meters?.Write(writer, native);
        writer.Finish();
    }

    /// <summary>Writes the whole payload to a byte array (for push and tests).</summary>
    public byte[] ToArray(ExpositionFormatKind format = ExpositionFormatKind.PrometheusText)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        Write(buffer, format);
        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _meters?.Dispose();

    private static void WriteAnomalies(TextFormatWriter writer, ToolAnomalyDetector[] detectors)
    {
        var statuses = new List<ToolAnomalyStatus>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in detectors)
        {
            foreach (var s in d.Statuses)
            {
                if (seen.Add(s.Tool))
                {
                    statuses.Add(s);
                }
            }
        }
        if (statuses.Count == 0)
        {
            return;
        }
        WriteToolGauge(writer, statuses, "vigil_tool_anomaly_score", "Isolation Forest score of each tool's latest checked run.", static s => s.LastScore);
        WriteToolGauge(writer, statuses, "vigil_tool_anomaly_threshold", "Score above which a run of the tool is anomalous (its baseline's threshold).", static s => s.LastThreshold);
        writer.WriteMetadata("vigil_tool_anomaly_checks_total", MetricType.Counter, "Runs checked against their tool's baseline.");
        foreach (var s in statuses)
        {
            writer.WriteSample("vigil_tool_anomaly_checks_total", [new Label("tool", s.Tool)], s.Checks);
        }
        writer.WriteMetadata("vigil_tool_anomalies_total", MetricType.Counter, "Anomalous runs by severity (normal: flagged by the forest alone).");
        foreach (var s in statuses)
        {
            for (int i = 0; i < s.Anomalies.Count; i++)
            {
                writer.WriteSample("vigil_tool_anomalies_total", [new Label("severity", ToolAnomalyDetector.SeverityWord((AnomalySeverity)i)), new Label("tool", s.Tool)], s.Anomalies[i]);
            }
        }
    }

    private static void WriteToolGauge(TextFormatWriter writer, List<ToolAnomalyStatus> statuses, string name, string help, Func<ToolAnomalyStatus, double> value)
    {
        writer.WriteMetadata(name, MetricType.Gauge, help);
        foreach (var s in statuses)
        {
            double v = value(s);
            if (double.IsFinite(v))
            {
                writer.WriteSample(name, [new Label("tool", s.Tool)], v);
            }
        }
    }

    private static void WriteTunables(TextFormatWriter writer, TunableRegistry[] registries)
    {
        if (registries.Length == 0)
        {
            return;
        }
        var all = new List<Tunable>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in registries)
        {
            foreach (var t in r.Tunables)
            {
                // Note: two registries with a knob of the same name would give duplicate series; the first one wins.
                if (seen.Add(t.Name))
                {
                    all.Add(t);
                }
            }
        }
        var values = new List<(string Name, double Value)>();
        var states = new List<(EnumTunable Tunable, string Current)>();
        foreach (var t in all)
        {
            if (t is EnumTunable e)
            {
                if (TunableRegistry.TryReadText(e, out string current))
                {
                    states.Add((e, current));
                }
            }
            else if (TunableRegistry.TryRead(t, out double v))
            {
                values.Add((t.Name, v));
            }
        }
        if (values.Count > 0)
        {
            writer.WriteMetadata("vigil_tunable_value", MetricType.Gauge, "Value in force of each numeric tunable.");
            foreach (var (name, v) in values)
            {
                writer.WriteSample("vigil_tunable_value", [new Label("tunable", name)], v);
            }
        }
        if (states.Count > 0)
        {
            writer.WriteMetadata("vigil_tunable_state", MetricType.Gauge, "1 for the member in force of each enum tunable, 0 for the other members.");
            foreach (var (e, current) in states)
            {
                foreach (string member in e.Values)
                {
                    writer.WriteSample("vigil_tunable_state", [new Label("tunable", e.Name), new Label("value", member)], member == current ? 1 : 0);
                }
            }
        }
        if (all.Count > 0)
        {
            writer.WriteMetadata("vigil_tunable_changes_total", MetricType.Counter, "Changes applied to each tunable since it was registered.");
            foreach (var t in all)
            {
                writer.WriteSample("vigil_tunable_changes_total", [new Label("tunable", t.Name)], t.Changes);
            }
        }
    }

    private static void WriteCollectors(TextFormatWriter writer, RealTimeMetricsCollector[] collectors)
    {
        var written = new HashSet<string>(StringComparer.Ordinal);
        var labels = new List<Label>();
        foreach (var collector in collectors)
        {
            foreach (var (name, point) in collector.Latest())
            {
                if (!written.Add(name))
                {
                    // Note: two collectors exporting the same name would make the payload invalid; the first one wins.
                    continue;
                }
                writer.WriteMetadata(name, MetricType.Gauge, "Real-time collector value.");
                labels.Clear();
                foreach (var (k, v) in point.Tags)
                {
                    labels.Add(new Label(SdkLabelNames.ForTag(k), v));
                }
                labels.Sort();
                // Note: no timestamp: a stopped collector's last value must go stale in Prometheus rather than be pinned in the past.
                writer.WriteSample(name, CollectionsMarshal.AsSpan(labels), point.Value);
            }
        }
    }
}
