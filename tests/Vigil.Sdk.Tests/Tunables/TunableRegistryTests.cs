using System.Diagnostics.Metrics;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Tests.TestSupport;
using Vigil.Sdk.Tunables;

namespace Vigil.Sdk.Tests.Tunables;

public sealed class TunableRegistryTests
{
    [Fact]
    public void AddInteger_OwnedValue_ChangesAndCallsBackOnlyOnRealChanges()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var seen = new List<long>();
        var pool = registry.AddInteger("pool_size", 8, min: 1, max: 64, description: "workers", unit: "workers", onChanged: seen.Add);

        pool.Value = 12;
        pool.Value = 12;
        Assert.True(pool.TrySet(1, out _));

        Assert.Equal(1, pool.Value);
        Assert.Equal([12L, 1L], seen);
        Assert.Equal(2, pool.Changes);
        Assert.Equal("1", pool.ValueText);
    }

    [Theory]
    [InlineData(0, "tunable pool_size: 0 is outside [1, 64]")]
    [InlineData(65, "tunable pool_size: 65 is outside [1, 64]")]
    public void TrySet_OutOfBounds_RefusedNeverClamped(long value, string message)
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var pool = registry.AddInteger("pool_size", 8, min: 1, max: 64);

        Assert.False(pool.TrySet(value, out string? error));
        Assert.Equal(message, error);
        Assert.Equal(8, pool.Value);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => pool.Value = value);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, pool.Changes);
    }

    [Fact]
    public void Changed_HandlerThrows_PreviousValueRestoredAndAnnounced()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var applied = new List<double>();
        var ratio = registry.AddNumber("ratio", 0.5, min: 0, max: 1);
        ratio.Changed += applied.Add;
        ratio.Changed += v =>
        {
            if (v > 0.9)
            {
                throw new InvalidOperationException("too high for this host");
            }
        };

        var e = Assert.Throws<InvalidOperationException>(() => ratio.Value = 0.95);

        Assert.Equal("too high for this host", e.Message);
        Assert.Equal(0.5, ratio.Value);
        Assert.Equal([0.95, 0.5], applied);
        Assert.Equal(0, ratio.Changes);
    }

    [Fact]
    public void GetterSetter_ReadsAndWritesTheApplicationsField()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        long field = 5;
        var limit = registry.AddInteger("limit", () => Interlocked.Read(ref field), v => Interlocked.Exchange(ref field, v), min: 1, max: 10);
        string mode = "lru";
        var eviction = registry.AddEnum("eviction", () => mode, v => mode = v, ["lru", "lfu"]);

        limit.Value = 7;
        long afterSet = Interlocked.Read(ref field);
        Interlocked.Exchange(ref field, 3);
        eviction.Value = "lfu";

        Assert.Equal(7, afterSet);
        Assert.Equal(3, limit.Value);
        Assert.Equal("lfu", mode);
        Assert.False(eviction.TrySet("random", out string? error));
        Assert.Equal("tunable eviction: \"random\" is not one of lru, lfu", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pool size")]
    [InlineData("pool/size")]
    public void AddInteger_InvalidName_ClearError(string name)
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ArgumentException>(() => registry.AddInteger(name, 1));
        Assert.Contains($"tunable name \"{name}\" is invalid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_BadDeclarations_ClearErrors()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        registry.AddInteger("a", 1);
        Assert.Contains("a tunable named a is already registered", Assert.Throws<ArgumentException>(() => registry.AddNumber("a", 1)).Message, StringComparison.Ordinal);
        Assert.Contains("min 5 is greater than max 2", Assert.Throws<ArgumentException>(() => registry.AddInteger("b", 3, 5, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("tunable c: 9 is outside [1, 4]", Assert.Throws<ArgumentOutOfRangeException>(() => registry.AddInteger("c", 9, 1, 4)).Message, StringComparison.Ordinal);
        Assert.Contains("enum members must be distinct", Assert.Throws<ArgumentException>(() => registry.AddEnum("d", "x", ["x", "x"])).Message, StringComparison.Ordinal);
        Assert.Contains("\"y\" is not one of x", Assert.Throws<ArgumentOutOfRangeException>(() => registry.AddEnum("e", "y", ["x"])).Message, StringComparison.Ordinal);
        Assert.Contains("bounds must be finite", Assert.Throws<ArgumentException>(() => registry.AddNumber("f", 1, double.NegativeInfinity)).Message, StringComparison.Ordinal);
        Assert.Equal(["a"], registry.Tunables.Select(t => t.Name));
    }

    [Fact]
    public void Meter_ExportsValuesStatesAndChanges()
    {
        string meter = "Test.Tunables." + Guid.NewGuid().ToString("N");
        using var registry = new TunableRegistry(meter);
        var pool = registry.AddInteger("pool_size", 8, 1, 64);
        registry.AddNumber("ratio", 0.25);
        registry.AddEnum("eviction", "lfu", ["lru", "lfu"]);
        pool.Value = 9;
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == meter)
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => seen[i.Name + Tags(tags)] = v);
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => seen[i.Name + Tags(tags)] = v);
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen[i.Name + Tags(tags)] = v);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(9, seen["vigil.tunable.value{tunable=pool_size}"]);
        Assert.Equal(0.25, seen["vigil.tunable.value{tunable=ratio}"]);
        Assert.Equal(1, seen["vigil.tunable.state{tunable=eviction,value=lfu}"]);
        Assert.Equal(0, seen["vigil.tunable.state{tunable=eviction,value=lru}"]);
        Assert.Equal(1, seen["vigil.tunable.changes{tunable=pool_size}"]);
        Assert.Equal(7, seen.Count);
    }

    [Fact]
    public void VigilMetrics_AddTunables_PrometheusGauges()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        var pool = registry.AddInteger("pool_size", 8, 1, 64);
        registry.AddEnum("eviction", "lru", ["lru", "lfu"]);
        registry.AddNumber("broken", () => throw new InvalidOperationException("no"), _ => { });
        using var metrics = new VigilMetrics();
        metrics.AddTunables(registry);
        pool.Value = 16;

        var m = Scrape.Parse(metrics.ToArray());

        Assert.Equal(16, m["vigil_tunable_value{tunable=\"pool_size\"}"]);
        Assert.Equal(1, m["vigil_tunable_state{tunable=\"eviction\",value=\"lru\"}"]);
        Assert.Equal(0, m["vigil_tunable_state{tunable=\"eviction\",value=\"lfu\"}"]);
        Assert.Equal(1, m["vigil_tunable_changes_total{tunable=\"pool_size\"}"]);
        Assert.False(m.ContainsKey("vigil_tunable_value{tunable=\"broken\"}"));
    }

    [Fact]
    public void VigilMetrics_TunablesMeterAddedToo_EachFamilyOnce()
    {
        using var registry = new TunableRegistry("Test.Tunables." + Guid.NewGuid().ToString("N"));
        registry.AddInteger("pool_size", 8, 1, 64);
        using var metrics = new VigilMetrics();
        metrics.AddMeter(registry.Meter.Name);
        metrics.AddTunables(registry);

        string text = System.Text.Encoding.UTF8.GetString(metrics.ToArray());

        Assert.Single(text.Split('\n'), l => l.StartsWith("# TYPE vigil_tunable_value ", StringComparison.Ordinal));
        Assert.Single(text.Split('\n'), l => l.StartsWith("vigil_tunable_value{", StringComparison.Ordinal));
        Assert.DoesNotContain("# TYPE vigil_tunable_state ", text, StringComparison.Ordinal);
    }

    private static string Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var t in tags)
        {
            parts.Add(t.Key + "=" + t.Value);
        }
        return "{" + string.Join(",", parts) + "}";
    }
}
