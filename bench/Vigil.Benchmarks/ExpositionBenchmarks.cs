using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Benchmarks;

/*
Parsing alltypes.237mfs.prom.txt (190,191 bytes, 1,857 samples) from ../shared/testdata/textformat.
Run: dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*ExpositionBenchmarks*' (add --job short for a quick run)
Results, 2026-11-22, BenchmarkDotNet v0.14.0, Debian GNU/Linux 12 (bookworm), .NET 10.0.12 (X64 RyuJIT AVX-512), DefaultJob
AMD EPYC (lscpu model name), 2 cores, shared with other builds (load average 8-11 during the run):
| Method                 | Mean       | Error     | StdDev   | Median     | Ratio | RatioSD | MB/s  | Msamples/s | MB/s (best) | Allocated | Alloc Ratio |
|----------------------- |-----------:|----------:|---------:|-----------:|------:|--------:|------:|-----------:|------------:|----------:|------------:|
| ParseWithScrapeCache   |   382.8 us |  51.48 us | 151.0 us |   358.5 us |  1.19 |    0.75 | 496.9 |        4.9 |     1,350.9 |         - |          NA |
| ParseBuildingLabelSets | 1,348.7 us | 234.27 us | 687.1 us | 1,085.0 us |  4.20 |    3.02 | 141.0 |        1.4 |       361.2 |  309111 B |          NA |
| WriteTextFormat        |   467.2 us |  49.42 us | 141.0 us |   430.7 us |  1.46 |    0.82 | 407.1 |        4.0 |       810.2 |      32 B |          NA |
*/

/// <summary>
/// Text exposition parsing as the scrape loop does it: every sample's raw series bytes are looked up in a per-target
/// cache (steady state: every series known), plus the cold path that builds every label set, and writing.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class ExpositionBenchmarks
{
    private const string File = "alltypes.237mfs.prom.txt";

    private static readonly Lazy<(int Bytes, int Samples)> s_size = new(() =>
    {
        byte[] body = System.IO.File.ReadAllBytes(BenchmarkData.PathOf("textformat", File));
        return (body.Length, ExpositionParser.ParseFamilies(body, ExpositionFormatKind.PrometheusText).Sum(f => f.Samples.Count));
    });

    private byte[] _body = [];
    private ExpositionParser _parser = null!;
    private SeriesByteMap<CachedSeries> _cache = null!;
    private List<MetricFamily> _families = null!;
    private ArrayBufferWriter<byte> _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = System.IO.File.ReadAllBytes(BenchmarkData.PathOf("textformat", File));
        _parser = new ExpositionParser(_body, ExpositionFormatKind.PrometheusText);
        _cache = new SeriesByteMap<CachedSeries>();
        ParseWithScrapeCache();
        _families = ExpositionParser.ParseFamilies(_body, ExpositionFormatKind.PrometheusText);
        _output = new ArrayBufferWriter<byte>(_body.Length * 2);
    }

    /// <summary>Steady-state scrape: parse, find each series in the cache by its bytes, read value and timestamp.</summary>
    [Benchmark(Baseline = true)]
    public double ParseWithScrapeCache()
    {
        var parser = _parser;
        parser.Reset(_body, ExpositionFormatKind.PrometheusText);
        double sum = 0;
        ExpositionEntry entry;
        while ((entry = parser.Next()) != ExpositionEntry.EndOfInput)
        {
            if (entry != ExpositionEntry.Series)
            {
                continue;
            }
            ref var cached = ref _cache.GetValueRefOrAddDefault(parser.SeriesBytes, out bool exists);
            if (!exists)
            {
                cached = new CachedSeries(parser.BuildLabelSet(), new SeriesRef((ulong)_cache.Count));
            }
            sum += parser.Value + (parser.TimestampMs ?? 0) + (long)cached.Ref.Value;
        }
        return sum;
    }

    /// <summary>First scrape of a target: every sample builds its label set.</summary>
    [Benchmark]
    public int ParseBuildingLabelSets()
    {
        var parser = _parser;
        parser.Reset(_body, ExpositionFormatKind.PrometheusText);
        int labels = 0;
        while (parser.Next() != ExpositionEntry.EndOfInput)
        {
            if (parser.Entry == ExpositionEntry.Series)
            {
                labels += parser.BuildLabelSet().Count;
            }
        }
        return labels;
    }

    /// <summary>Writing the same families back in the text format.</summary>
    [Benchmark]
    public int WriteTextFormat()
    {
        _output.ResetWrittenCount();
        TextFormatWriter.Write(_output, _families, ExpositionFormatKind.PrometheusText);
        return _output.WrittenCount;
    }

    private readonly record struct CachedSeries(LabelSet Labels, SeriesRef Ref);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(
                new ThroughputColumn("MB/s", () => s_size.Value.Bytes, 1e6, "Payload megabytes (10^6 bytes) per second"),
                new ThroughputColumn("Msamples/s", () => s_size.Value.Samples, 1e6, "Million samples per second"),
                new ThroughputColumn("MB/s (best)", () => s_size.Value.Bytes, 1e6, "MB/s of the fastest iteration (least disturbed by other load)", fromMinimum: true));
        }
    }
}
