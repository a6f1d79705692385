using System.Diagnostics.Metrics;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Adaptive;

/// <summary>
/// The seed's load-pattern analysis and resource-demand prediction (AdaptiveResourceManager): each observed load is
/// split into resource shares with its dominant resource and load type, and the demand is predicted as an
/// exponentially weighted average of the scope's last observations blended with the current shares.
/// </summary>
/// <remarks>
/// <para>Prediction for each resource: the last <see cref="DemandPredictorOptions.HistoryLength"/> shares, oldest first,
/// are weighted by <c>exp(x)</c> for <c>x</c> evenly spaced from −1 (oldest) to 0 (newest) and averaged; the result is
/// blended as <c>(1 − w) · history + w · current</c> with <c>w</c> = <see cref="DemandPredictorOptions.CurrentWeight"/>.
/// With no history the prediction is the current shares, and, as in the seed, <c>cpu</c> 0.5, <c>memory</c> 0.3 and
/// <c>network</c> 0.2 for those of the three the load does not name. A resource missing from an observation counts
/// as a share of 0 there. The current observation joins the history after the prediction.</para>
/// <para>Thread-safe. Metrics (tags <c>scope</c>, <c>resource</c>): <c>vigil.load.share</c> and
/// <c>vigil.load.predicted_demand</c> gauges of each scope's latest forecast.</para>
/// </remarks>
public sealed class DemandPredictor : IDisposable
{
    private static readonly (string Resource, double Share)[] SeedPriors = [("cpu", 0.5), ("memory", 0.3), ("network", 0.2)];

    private readonly Lock _lock = new();
    private readonly DemandPredictorOptions _options;
    private readonly Dictionary<string, Queue<IReadOnlyDictionary<string, double>>> _history = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DemandForecast> _latest = new(StringComparer.Ordinal);
    private readonly Meter _meter;
    private double _currentWeight;
    private double _dominantShare;

    /// <summary>Creates a predictor with <paramref name="options"/> (the seed's settings when null).</summary>
    public DemandPredictor(DemandPredictorOptions? options = null)
    {
        _options = options ?? new DemandPredictorOptions();
        _options.Validate();
        _currentWeight = _options.CurrentWeight;
        _dominantShare = _options.DominantShare;
        _meter = AdaptiveMetrics.CreateMeter(_options.MeterName, _options.Name, "demand predictor");
        _meter.CreateObservableGauge("vigil.load.share", () => Measure(static f => f.Pattern.Distribution), description: "Each resource's share of the latest load of a scope.");
        _meter.CreateObservableGauge("vigil.load.predicted_demand", () => Measure(static f => f.PredictedDemand), description: "Each resource's predicted share of demand for a scope.");
    }

    /// <summary>The meter of the predictor's instruments.</summary>
    public Meter Meter => _meter;

    /// <summary>Splits <paramref name="load"/> (resource → load, finite and not negative) into shares and names its dominant resource and type.</summary>
    public static LoadPattern Analyze(IReadOnlyDictionary<string, double> load, double dominantShare = 0.6, DateTimeOffset timestamp = default)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (load.Count == 0)
        {
            throw new ArgumentException("a load needs at least one resource", nameof(load));
        }
        double total = 0;
        foreach (var (resource, value) in load)
        {
            if (string.IsNullOrEmpty(resource))
            {
                throw new ArgumentException("a resource name is empty", nameof(load));
            }
            if (!double.IsFinite(value) || value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(load), value, $"the load of resource {resource} must be finite and not negative");
            }
            total += value;
        }
        var distribution = new Dictionary<string, double>(load.Count, StringComparer.Ordinal);
        string dominant = string.Empty;
        double best = double.NegativeInfinity;
        foreach (var (resource, value) in load)
        {
            double share = total > 0 ? value / total : 0;
            distribution[resource] = share;
            if (share > best)
            {
                (best, dominant) = (share, resource);
            }
        }
        string type = best > dominantShare ? dominant + "_intensive" : "balanced";
        return new LoadPattern(total, distribution, dominant, type, timestamp);
    }

    /// <summary>Analyses <paramref name="load"/> for <paramref name="scope"/>, predicts its demand from the scope's history, then adds it to the history.</summary>
    public DemandForecast Observe(string scope, IReadOnlyDictionary<string, double> load)
    {
        ArgumentException.ThrowIfNullOrEmpty(scope);
        var pattern = Analyze(load, Volatile.Read(ref _dominantShare), _options.TimeProvider.GetUtcNow());
        lock (_lock)
        {
            bool known = _history.TryGetValue(scope, out var history);
            if (!known && _history.Count < _options.MaxScopes)
            {
                history = new Queue<IReadOnlyDictionary<string, double>>(_options.HistoryLength);
                _history.Add(scope, history);
            }
            var predicted = Predict(pattern.Distribution, history, Volatile.Read(ref _currentWeight));
            var forecast = new DemandForecast(scope, pattern, predicted, history?.Count ?? 0);
            if (history is not null)
            {
                if (history.Count == _options.HistoryLength)
                {
                    history.Dequeue();
                }
                history.Enqueue(pattern.Distribution);
                _latest[scope] = forecast;
            }
            return forecast;
        }
    }

    /// <summary>The latest forecast of <paramref name="scope"/>, or null.</summary>
    public DemandForecast? Latest(string scope)
    {
        lock (_lock)
        {
            return _latest.GetValueOrDefault(scope);
        }
    }

    /// <summary>Registers <c>{name}.current_weight</c> and <c>{name}.dominant_share</c> as tunables.</summary>
    public void RegisterTunables(TunableRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddNumber(_options.Name + ".current_weight", () => Volatile.Read(ref _currentWeight), v => Volatile.Write(ref _currentWeight, v), min: 0, max: 1,
            description: "weight of the current load against the weighted history in demand predictions");
        registry.AddNumber(_options.Name + ".dominant_share", () => Volatile.Read(ref _dominantShare), v => Volatile.Write(ref _dominantShare, v), min: 0.01, max: 0.99,
            description: "share above which the dominant resource makes a load resource-intensive");
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static Dictionary<string, double> Predict(IReadOnlyDictionary<string, double> current, Queue<IReadOnlyDictionary<string, double>>? history, double currentWeight)
    {
        var predicted = new Dictionary<string, double>(StringComparer.Ordinal);
        if (history is null || history.Count == 0)
        {
            foreach (var (resource, share) in current)
            {
                predicted[resource] = share;
            }
            foreach (var (resource, prior) in SeedPriors)
            {
                predicted.TryAdd(resource, prior);
            }
            return predicted;
        }
        var past = history.ToArray();
        var weights = new double[past.Length];
        double sum = 0;
        for (int i = 0; i < past.Length; i++)
        {
            double x = past.Length == 1 ? -1 : -1 + ((double)i / (past.Length - 1));
            weights[i] = Math.Exp(x);
            sum += weights[i];
        }
        var resources = new List<string>(current.Keys);
        foreach (var p in past)
        {
            foreach (string r in p.Keys)
            {
                if (!resources.Contains(r))
                {
                    resources.Add(r);
                }
            }
        }
        foreach (string r in resources)
        {
            double weighted = 0;
            for (int i = 0; i < past.Length; i++)
            {
                weighted += weights[i] / sum * past[i].GetValueOrDefault(r);
            }
            predicted[r] = ((1 - currentWeight) * weighted) + (currentWeight * current.GetValueOrDefault(r));
        }
        return predicted;
    }

    private List<Measurement<double>> Measure(Func<DemandForecast, IReadOnlyDictionary<string, double>> select)
    {
        var result = new List<Measurement<double>>();
        lock (_lock)
        {
            foreach (var (scope, forecast) in _latest)
            {
                foreach (var (resource, value) in select(forecast))
                {
                    result.Add(new Measurement<double>(value, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("resource", resource)));
                }
            }
        }
        return result;
    }
}
