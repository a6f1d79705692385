using System.Diagnostics.Metrics;

namespace Vigil.Sdk.Tunables;

/// <summary>
/// The knobs an application registers: integers, numbers and enums with bounds, a description and a unit, each holding
/// its own value (with change callbacks) or bound to the application's getter and setter. Serve them with
/// <see cref="TunableEndpoint"/> (or <c>VigilEndpoint.ServeTunables</c>, <c>app.MapVigilTunables()</c>).
/// </summary>
/// <remarks>
/// <para>Thread-safe. Values are exported through <see cref="Meter"/> as <c>vigil.tunable.value{tunable}</c> (numeric
/// knobs), <c>vigil.tunable.state{tunable,value}</c> (1 for an enum's member in force, 0 for the others) and
/// <c>vigil.tunable.changes{tunable}</c>, and on <c>/metrics</c> when added to <c>VigilMetrics</c>.</para>
/// </remarks>
public sealed class TunableRegistry : IDisposable
{
    /// <summary>The default name of <see cref="Meter"/>.</summary>
    public const string DefaultMeterName = "Vigil.Sdk.Tunables";

    private readonly Lock _lock = new();
    private readonly List<Tunable> _ordered = new();
    private readonly Dictionary<string, Tunable> _byName = new(StringComparer.Ordinal);

    /// <summary>Creates an empty registry whose gauges belong to a meter named <paramref name="meterName"/>.</summary>
    public TunableRegistry(string meterName = DefaultMeterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterName);
        Meter = new Meter(meterName);
        Meter.CreateObservableGauge("vigil.tunable.value", ObserveValues, description: "Value in force of each numeric tunable.");
        Meter.CreateObservableGauge("vigil.tunable.state", ObserveStates, description: "1 for the member in force of each enum tunable, 0 for the other members.");
        Meter.CreateObservableCounter("vigil.tunable.changes", ObserveChanges, description: "Changes applied to each tunable since it was registered.");
    }

    /// <summary>The meter of the tunables' instruments.</summary>
    public Meter Meter { get; }

    /// <summary>The tunables in registration order.</summary>
    public IReadOnlyList<Tunable> Tunables
    {
        get
        {
            lock (_lock)
            {
                return [.. _ordered];
            }
        }
    }

    /// <summary>The tunable named <paramref name="name"/>, or null.</summary>
    public Tunable? Find(string name)
    {
        lock (_lock)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    /// <summary>Registers an integer knob holding its own value; <paramref name="onChanged"/> runs after each change (throw to refuse it).</summary>
    public IntegerTunable AddInteger(string name, long value, long? min = null, long? max = null, string? description = null, string? unit = null, Action<long>? onChanged = null)
        => Add(Subscribe(new IntegerTunable(name, value, null, null, min, max, description, unit), onChanged));

    /// <summary>Registers an integer knob read by <paramref name="getter"/> and changed by <paramref name="setter"/> (throw to refuse a value).</summary>
    public IntegerTunable AddInteger(string name, Func<long> getter, Action<long> setter, long? min = null, long? max = null, string? description = null, string? unit = null)
    {
        ArgumentNullException.ThrowIfNull(getter);
        ArgumentNullException.ThrowIfNull(setter);
        return Add(new IntegerTunable(name, 0, getter, setter, min, max, description, unit));
    }

    /// <summary>Registers a number knob holding its own value; <paramref name="onChanged"/> runs after each change (throw to refuse it).</summary>
    public NumberTunable AddNumber(string name, double value, double? min = null, double? max = null, string? description = null, string? unit = null, Action<double>? onChanged = null)
        => Add(Subscribe(new NumberTunable(name, value, null, null, min, max, description, unit), onChanged));

    /// <summary>Registers a number knob read by <paramref name="getter"/> and changed by <paramref name="setter"/> (throw to refuse a value).</summary>
    public NumberTunable AddNumber(string name, Func<double> getter, Action<double> setter, double? min = null, double? max = null, string? description = null, string? unit = null)
    {
        ArgumentNullException.ThrowIfNull(getter);
        ArgumentNullException.ThrowIfNull(setter);
        return Add(new NumberTunable(name, 0, getter, setter, min, max, description, unit));
    }

    /// <summary>Registers an enum knob holding its own value, one of <paramref name="values"/>; <paramref name="onChanged"/> runs after each change.</summary>
    public EnumTunable AddEnum(string name, string value, IEnumerable<string> values, string? description = null, Action<string>? onChanged = null)
        => Add(Subscribe(new EnumTunable(name, value, null, null, values, description, null), onChanged));

    /// <summary>Registers an enum knob read by <paramref name="getter"/> and changed by <paramref name="setter"/>.</summary>
    public EnumTunable AddEnum(string name, Func<string> getter, Action<string> setter, IEnumerable<string> values, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(getter);
        ArgumentNullException.ThrowIfNull(setter);
        return Add(new EnumTunable(name, string.Empty, getter, setter, values, description, null));
    }

    /// <summary>Registers a tunable created elsewhere (an adaptive controller's knob); its name must be unused.</summary>
    public T Add<T>(T tunable)
        where T : Tunable
    {
        ArgumentNullException.ThrowIfNull(tunable);
        lock (_lock)
        {
            if (!_byName.TryAdd(tunable.Name, tunable))
            {
                throw new ArgumentException($"a tunable named {tunable.Name} is already registered", nameof(tunable));
            }
            _ordered.Add(tunable);
        }
        return tunable;
    }

    /// <inheritdoc />
    public void Dispose() => Meter.Dispose();

    private static TT Subscribe<TT, TV>(TT tunable, Action<TV>? onChanged)
        where TT : Tunable<TV>
        where TV : IEquatable<TV>
    {
        if (onChanged is not null)
        {
            tunable.Changed += onChanged;
        }
        return tunable;
    }

    private IEnumerable<Measurement<double>> ObserveValues()
    {
        foreach (var t in Tunables)
        {
            if (t.Kind == TunableKind.Enum || !TryRead(t, out double value))
            {
                continue;
            }
            yield return new Measurement<double>(value, new KeyValuePair<string, object?>("tunable", t.Name));
        }
    }

    private IEnumerable<Measurement<int>> ObserveStates()
    {
        foreach (var t in Tunables)
        {
            if (t is not EnumTunable e || !TryReadText(e, out string current))
            {
                continue;
            }
            foreach (string member in e.Values)
            {
                yield return new Measurement<int>(member == current ? 1 : 0,
                    new KeyValuePair<string, object?>("tunable", e.Name), new KeyValuePair<string, object?>("value", member));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveChanges()
    {
        foreach (var t in Tunables)
        {
            yield return new Measurement<long>(t.Changes, new KeyValuePair<string, object?>("tunable", t.Name));
        }
    }

    /// <summary>Reads a numeric value for export; an application getter that throws leaves the knob out of this pass.</summary>
    internal static bool TryRead(Tunable t, out double value)
    {
        try
        {
            value = t.NumericValue;
            return double.IsFinite(value);
        }
        catch (Exception)
        {
            value = double.NaN;
            return false;
        }
    }

    /// <summary>Reads a value as text for export; an application getter that throws leaves the knob out of this pass.</summary>
    internal static bool TryReadText(Tunable t, out string value)
    {
        try
        {
            value = t.ValueText;
            return true;
        }
        catch (Exception)
        {
            value = string.Empty;
            return false;
        }
    }
}
