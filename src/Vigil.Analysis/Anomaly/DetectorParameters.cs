using System.Globalization;

namespace Vigil.Analysis.Anomaly;

/// <summary>Reads named numeric parameters for a detector, rejecting unknown names and out-of-range values with a message naming them.</summary>
internal sealed class DetectorParameters
{
    private readonly string _detector;
    private readonly IReadOnlyDictionary<string, double> _values;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public DetectorParameters(string detector, IReadOnlyDictionary<string, double>? values)
    {
        _detector = detector;
        _values = values ?? new Dictionary<string, double>();
    }

    public int Int(string name, int fallback, int min, int max)
    {
        double v = Double(name, fallback, min, max);
        if (v != Math.Floor(v))
        {
            throw new ArgumentException($"detector {_detector}: parameter {name} must be a whole number, got {v.ToString(CultureInfo.InvariantCulture)}.");
        }
        return (int)v;
    }

    public double Double(string name, double fallback, double min, double max)
    {
        _used.Add(name);
        if (!_values.TryGetValue(name, out double v))
        {
            return fallback;
        }
        if (!(v >= min && v <= max))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"detector {_detector}: parameter {name} = {v} is outside [{min}, {max}]."));
        }
        return v;
    }

    /// <summary>Throws when a parameter was given that the detector does not read.</summary>
    public void EnsureAllUsed()
    {
        foreach (var name in _values.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new ArgumentException($"detector {_detector}: unknown parameter {name} (known: {string.Join(", ", _used.Order(StringComparer.Ordinal))}).");
            }
        }
    }
}
