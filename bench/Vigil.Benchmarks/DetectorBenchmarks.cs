// Latest results (shared 2-core AMD EPYC VM, load average about 30 from other builds, Debian 12, .NET 10.0, ShortRun):
//
// | Method     | Detector | Mean         | Error        | StdDev       | points/s     | points/s (best) | Allocated |
// |----------- |--------- |-------------:|-------------:|-------------:|-------------:|----------------:|----------:|
// | ScoreBatch | gaussian |    194.57 us |    278.78 us |    15.281 us |  5,139,638.7 |     5,595,628.5 |         - |
// | ScoreBatch | kmeans   |  4,709.78 us |  9,882.30 us |   541.682 us |    212,324.4 |       240,277.7 |  193836 B |
// | ScoreBatch | mad      | 25,726.97 us | 72,484.86 us | 3,973.140 us |     38,869.7 |        44,834.7 |  432701 B |
// | ScoreBatch | spectral | 24,439.71 us | 54,674.86 us | 2,996.913 us |     40,917.0 |        45,340.0 |         - |
// | ScoreBatch | vigil    |     50.68 us |     84.94 us |     4.656 us | 19,732,713.6 |    21,180,304.5 |         - |
//
// 10,000 series every 15 s is 667 points/s: 0.003 % of a core for the default (vigil), 1.7 % for the slowest (mad).
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
