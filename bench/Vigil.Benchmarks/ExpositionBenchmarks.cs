using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Storage;

namespace Vigil.Benchmarks;

/*
Parsing alltypes.237mfs.prom.txt (190,191 bytes, 1,857 samples) from ../shared/testdata/textformat.
Run: dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*ExpositionBenchmarks*' --job short
RESULTS
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
                new ThroughputColumn("Msamples/s", () => s_size.Value.Samples, 1e6, "Million samples per second"));
        }
    }
}
