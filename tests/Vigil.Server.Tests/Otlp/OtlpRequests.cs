using Vigil.Collection.Otlp.Proto;

namespace Vigil.Server.Tests.Otlp;

/// <summary>Builds OTLP export requests for tests.</summary>
internal static class OtlpRequests
{
    public const long T0 = 1_700_000_000_000;

    public static ulong Nanos(long ms) => (ulong)ms * 1_000_000;

    public static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ExportMetricsServiceRequest Request(params Metric[] metrics)
        => Request([Attr("service.name", "checkout"), Attr("service.instance.id", "pod-1")], metrics);

    public static ExportMetricsServiceRequest Request(KeyValue[] resource, params Metric[] metrics)
    {
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "shop", Version = "1.0" } };
        scope.Metrics.AddRange(metrics);
        var rm = new ResourceMetrics { Resource = new Resource() };
        rm.Resource.Attributes.AddRange(resource);
        rm.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(rm);
        return request;
    }

    public static NumberDataPoint Point(long t, double value, params KeyValue[] attributes)
    {
        var p = new NumberDataPoint { TimeUnixNano = Nanos(t), AsDouble = value };
        p.Attributes.AddRange(attributes);
        return p;
    }

    public static Metric Sum(string name, string unit, bool monotonic, AggregationTemporality temporality, params NumberDataPoint[] points)
    {
        var sum = new Sum { IsMonotonic = monotonic, AggregationTemporality = temporality };
        sum.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = unit, Sum = sum };
    }

    public static Metric Gauge(string name, string unit, params NumberDataPoint[] points)
    {
        var gauge = new Gauge();
        gauge.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = unit, Gauge = gauge };
    }

    public static HistogramDataPoint HistogramPoint(long t, double[] bounds, ulong[] counts, double sum)
    {
        var p = new HistogramDataPoint { TimeUnixNano = Nanos(t), Sum = sum, Count = (ulong)counts.Sum(c => (long)c) };
        p.ExplicitBounds.AddRange(bounds);
        p.BucketCounts.AddRange(counts);
        return p;
    }

    public static Metric Histogram(string name, string unit, AggregationTemporality temporality, params HistogramDataPoint[] points)
    {
        var h = new Histogram { AggregationTemporality = temporality };
        h.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = unit, Histogram = h };
    }
}
