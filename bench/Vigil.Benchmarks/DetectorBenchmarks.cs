// Latest results (shared 2-core AMD EPYC VM under load from other builds, Debian 12, .NET 10.0, ShortRun):
//
// | Method     | Detector | Mean         | Error        | StdDev     | points/s     | points/s (best) | Gen0    | Allocated |
// |----------- |--------- |-------------:|-------------:|-----------:|-------------:|----------------:|--------:|----------:|
// | ScoreBatch | gaussian |    180.29 us |    729.86 us |  40.006 us |  5,546,733.5 |     6,721,740.0 |       - |         - |
// | ScoreBatch | kmeans   |  3,690.46 us |  4,333.30 us | 237.523 us |    270,968.7 |       286,714.4 |  7.8125 |  193830 B |
// | ScoreBatch | mad      | 12,861.58 us | 15,439.56 us | 846.295 us |     77,751.0 |        84,138.4 | 15.6250 |  440425 B |
// | ScoreBatch | spectral | 15,621.51 us | 17,484.01 us | 958.358 us |     64,014.3 |        67,990.7 |       - |         - |
// | ScoreBatch | vigil    |     32.69 us |    151.80 us |   8.321 us | 30,590,138.2 |    35,975,974.2 |       - |         - |
//
// 10,000 series every 15 s is 667 points/s: 0.002 % of a core for the default (vigil), 1.04 % for the slowest (spectral).
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Vigil.Analysis.Anomaly;

namespace Vigil.Benchmarks;

/// <summary>
/// Streaming anomaly detectors in steady state: one operation scores the next 1000 points of one series (a daily cycle,
/// noise and rare spikes) after 20,000 points of warm-up, so windows are full and models are trained.
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*DetectorBenchmarks*'</c>.
/// The analysis budget follows from points/s: 10,000 series every 15 s is 667 points/s, i.e. 667 / (points/s) of a core.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class DetectorBenchmarks
{
    private const int BatchSize = 1000;
    private const int Warmup = 20_000;
    private const int Cycle = 288;

    private readonly double[] _values = new double[Warmup + (64 * BatchSize)];
    private IStreamingDetector _detector = null!;
    private int _at;

    [Params("vigil", "mad", "gaussian", "kmeans", "spectral")]
    public string Detector { get; set; } = "vigil";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        for (int i = 0; i < _values.Length; i++)
        {
            double noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            _values[i] = 50 + (20 * Math.Sin(2 * Math.PI * i / Cycle)) + (3 * noise) + (rng.NextDouble() < 0.001 ? 40 : 0);
        }
        _detector = DetectorFactory.Create(Detector);
        for (int i = 0; i < Warmup; i++)
        {
            _detector.Score(i * 15_000L, _values[i]);
        }
        _at = Warmup;
        Console.WriteLine($"// {Detector}: saved state {_detector.SaveState().Length} bytes per series");
    }

    [Benchmark]
    public double ScoreBatch()
    {
        if (_at + BatchSize > _values.Length)
        {
            _at = Warmup;
        }
        double sum = 0;
        for (int i = 0; i < BatchSize; i++, _at++)
        {
            sum += _detector.Score(_at * 15_000L, _values[_at]);
        }
        return sum;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(
                new ThroughputColumn("points/s", () => BatchSize, 1, "Points scored per second on one core (mean)"),
                new ThroughputColumn("points/s (best)", () => BatchSize, 1, "Points per second in the fastest iteration", fromMinimum: true));
        }
    }
}
