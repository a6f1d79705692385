using BenchmarkDotNet.Attributes;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Tsdb.Chunks;

namespace Vigil.Benchmarks;

// Latest results (2026-11-22, AMD EPYC 2 cores shared with other builds, .NET 10.0.12, --job short --inProcess):
// | Method                 | Mean       | Allocated |
// |----------------------- |-----------:|----------:|
// | DecodeChunk            |   6.292 ns |         - |
// | AppendCommit1000Series | 283.592 ns |     157 B |   (load average ~20; noisy)

/// <summary>Head append and XOR decode micro-benchmarks (per-sample costs; see docs/BENCHMARKS.md).</summary>
[MemoryDiagnoser]
public class HeadBenchmarks
{
    private XorChunk _chunk = null!;
    private readonly XorIterator _it = new();
    private LabelSet[] _labels = null!;
    private Vigil.Tsdb.Head.Head _head = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rnd = new Random(3);
        _chunk = new XorChunk();
        var app = _chunk.Appender();
        double v = 1e6;
        for (int i = 0; i < 120; i++)
        {
            v += Math.Round(rnd.NextDouble() * 100, 2);
            app.Append(1_700_000_000_000 + (i * 15_000L) + rnd.Next(-5, 6), v);
        }
        _chunk.Trim();
        _labels = Enumerable.Range(0, 1000).Select(i => LabelSet.Of("__name__", "bench_metric", "instance", $"host-{i % 50}", "id", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
    }

    /// <summary>Decodes all 120 samples of one realistic chunk; divide by 120 for per-sample cost.</summary>
    [Benchmark(OperationsPerInvoke = 120)]
    public double DecodeChunk()
    {
        var it = _chunk.Iterator(_it);
        double sum = 0;
        while (it.Next())
        {
            sum += it.V;
        }
        return sum;
    }

    [IterationSetup(Target = nameof(AppendCommit1000Series))]
    public void NewHead() => _head = new Vigil.Tsdb.Head.Head();

    /// <summary>One scrape-like commit of 1000 new series × 10 timestamps into a head without WAL.</summary>
    [Benchmark(OperationsPerInvoke = 10_000)]
    public void AppendCommit1000Series()
    {
        var refs = new SeriesRef[_labels.Length];
        for (int t = 0; t < 10; t++)
        {
            var app = _head.Appender();
            for (int i = 0; i < _labels.Length; i++)
            {
                app.TryAppend(ref refs[i], _labels[i], t * 15_000L, i + t, out _);
            }
            app.Commit();
        }
    }
}
