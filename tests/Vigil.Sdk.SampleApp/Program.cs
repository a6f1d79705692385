using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Vigil.Sdk.Exposition;
using Vigil.Sdk.Profiling;

namespace Vigil.Sdk.SampleApp;

/// <summary>
/// A small app instrumented with the SDK, started by the SDK's tests as a child process.
/// <c>serve PORT</c>: runs tools with a known latency mix and error rate and serves <c>/metrics</c> on 127.0.0.1:PORT.
/// <c>burn [SECONDS]</c>: burns CPU in <see cref="CpuBurner.SpinPrimes"/> until killed or for SECONDS (a target for <c>vigil profile</c>).
/// </summary>
public static class Program
{
    /// <summary>Runs the mode named by the first argument.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "serve")
        {
            await ServeAsync(int.Parse(args[1], CultureInfo.InvariantCulture)).ConfigureAwait(false);
            return 0;
        }
        if (args.Length >= 1 && args[0] == "burn")
        {
            Console.WriteLine("ready " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();
            var until = args.Length >= 2 ? TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture)) : TimeSpan.MaxValue;
            CpuBurner.Run(until);
            return 0;
        }
        await Console.Error.WriteLineAsync("usage: Vigil.Sdk.SampleApp serve PORT | burn [SECONDS]").ConfigureAwait(false);
        return 2;
    }

    private static async Task ServeAsync(int port)
    {
        using var profiler = new ToolProfiler();
        using var metrics = new VigilMetrics(profiler);
        await using var listener = VigilHttpListener.Start(new VigilEndpoint(metrics), port, IPAddress.Loopback);
        Console.WriteLine("listening " + listener.BaseAddress);
        Console.Out.Flush();
        // Four workers run "search": of every 20 runs of each worker, 18 take ~5 ms and 2 take ~300 ms; every 10th run fails.
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (long i = 0; ; i++)
            {
                long n = i;
                try
                {
                    await profiler.RunAsync("search", async (run, ct) =>
                    {
                        run.CacheHit();
                        await Task.Delay(n % 20 is 7 or 17 ? 300 : 5, ct).ConfigureAwait(false);
                        if (n % 10 == 3)
                        {
                            throw new TimeoutException("backend timed out");
                        }
                    }).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
        })).ToArray();
        await Task.WhenAny(workers).ConfigureAwait(false);
    }
}

/// <summary>Burns CPU in one known method.</summary>
public static class CpuBurner
{
    /// <summary>Loops over <see cref="SpinPrimes"/> for <paramref name="until"/>.</summary>
    public static void Run(TimeSpan until)
    {
        long total = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < until)
        {
            total += SpinPrimes(200_000);
            if (total == -1)
            {
                Console.WriteLine(total);
            }
        }
    }

    /// <summary>Counts primes below <paramref name="limit"/> by trial division: pure CPU work in one method.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int SpinPrimes(int limit)
    {
        int count = 0;
        for (int n = 2; n < limit; n++)
        {
            bool prime = true;
            for (int d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }
            if (prime)
            {
                count++;
            }
        }
        return count;
    }
}
