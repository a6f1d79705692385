using System.Diagnostics;
using System.Globalization;

namespace Vigil.Demo.Service;

/// <summary>The settings of <c>load</c>.</summary>
internal sealed record LoadOptions
{
    /// <summary>The service's base URL.</summary>
    public required Uri Url { get; init; }

    /// <summary>Requests started per second, whatever the answers' latency (an open loop, as real users behave).</summary>
    public double Rate { get; init; } = 200;

    /// <summary>Distinct keys.</summary>
    public int Keys { get; init; } = 10_000;

    /// <summary>The Zipf exponent of key popularity.</summary>
    public double Zipf { get; init; } = 1.0;

    /// <summary>How long to run; null runs until stopped.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>How often a report line is printed.</summary>
    public TimeSpan Report { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The seed of the key sequence.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Requests in flight beyond which new ones are counted as dropped instead of sent.</summary>
    public int MaxOutstanding { get; init; } = 2000;
}

/// <summary>
/// Sends <c>GET /item/{key}</c> at a steady rate with Zipf-distributed keys, and prints every report interval what it
/// saw from the client's side: requests sent, answered, failed, and the p50/p99 latency.
/// </summary>
internal sealed class LoadGenerator(LoadOptions options, TextWriter output)
{
    private readonly Lock _lock = new();
    private readonly List<double> _latenciesMs = [];
    private long _ok;
    private long _errors;
    private long _dropped;
    private int _outstanding;

    /// <summary>Runs until <paramref name="ct"/> is cancelled or the duration has passed; returns the number of failed requests.</summary>
    public async Task<long> RunAsync(CancellationToken ct)
    {
        var sampler = new ZipfSampler(options.Keys, options.Zipf, new Random(options.Seed));
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        using var http = new HttpClient(handler) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(10) };
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        var clock = Stopwatch.StartNew();
        var nextReport = options.Report;
        long sent = 0, totalErrors = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var now = clock.Elapsed;
                if (options.Duration is { } d && now >= d)
                {
                    break;
                }
                long due = (long)(now.TotalSeconds * options.Rate);
                for (; sent < due; sent++)
                {
                    if (Volatile.Read(ref _outstanding) >= options.MaxOutstanding)
                    {
                        Interlocked.Increment(ref _dropped);
                        continue;
                    }
                    Interlocked.Increment(ref _outstanding);
                    _ = SendAsync(http, "item/k" + sampler.Next().ToString(CultureInfo.InvariantCulture));
                }
                if (now >= nextReport)
                {
                    totalErrors += Report(options.Report);
                    nextReport += options.Report;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped
        }
        return totalErrors;
    }

    private async Task SendAsync(HttpClient http, string path)
    {
        long start = Stopwatch.GetTimestamp();
        bool ok = false;
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
            ok = response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            ok = false;
        }
        finally
        {
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            lock (_lock)
            {
                _latenciesMs.Add(ms);
                if (ok)
                {
                    _ok++;
                }
                else
                {
                    _errors++;
                }
            }
            Interlocked.Decrement(ref _outstanding);
        }
    }

    /// <summary>Prints and resets the interval's counts; returns its errors.</summary>
    private long Report(TimeSpan interval)
    {
        double[] latencies;
        long ok, errors;
        lock (_lock)
        {
            latencies = [.. _latenciesMs];
            _latenciesMs.Clear();
            (ok, errors) = (_ok, _errors);
            (_ok, _errors) = (0, 0);
        }
        long dropped = Interlocked.Exchange(ref _dropped, 0);
        Array.Sort(latencies);
        double seconds = interval.TotalSeconds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load {DateTime.UtcNow:HH:mm:ss} answered {(ok + errors) / seconds:0.0}/s ok {ok / seconds:0.0}/s errors {errors / seconds:0.0}/s dropped {dropped / seconds:0.0}/s p50 {Quantile(latencies, 0.5):0.0} ms p99 {Quantile(latencies, 0.99):0.0} ms"));
        output.Flush();
        return errors;
    }

    private static double Quantile(double[] sorted, double q)
        => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
