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
