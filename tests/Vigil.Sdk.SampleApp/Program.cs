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
/// <c>mixed</c>: one thread burns CPU in <see cref="CpuBurner.SpinPrimes"/> while others wait in every common way (idle thread-pool
/// workers, <c>Monitor.Wait</c>, a wait handle, <c>Thread.Sleep</c>, <c>Task.Delay</c>, a blocking socket read), until killed.
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
        if (args.Length >= 1 && args[0] == "mixed")
        {
            await Waiters.RunAsync().ConfigureAwait(false);
            return 0;
        }
        await Console.Error.WriteLineAsync("usage: Vigil.Sdk.SampleApp serve PORT | burn [SECONDS] | mixed").ConfigureAwait(false);
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

/// <summary>Threads that wait in the usual ways beside one that works, so a profiler must tell them apart.</summary>
public static class Waiters
{
    private static readonly object s_gate = new();

    /// <summary>Starts the waiters and the burner, prints <c>ready PID</c>, and runs until killed.</summary>
    public static async Task RunAsync()
    {
        // Note: a burst of short work items grows the thread pool; the workers then idle in LowLevelLifoSemaphore.Wait.
        ThreadPool.SetMinThreads(8, 8);
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => Thread.SpinWait(1000)))).ConfigureAwait(false);
        Start("monitor", () =>
        {
            lock (s_gate)
            {
                while (true)
                {
                    Monitor.Wait(s_gate);
                }
            }
        });
        using var handle = new AutoResetEvent(false);
        Start("wait-handle", () => handle.WaitOne());
        Start("sleeper", () =>
        {
            while (true)
            {
                Thread.Sleep(1000);
            }
        });
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).ConfigureAwait(false);
        using var server = await listener.AcceptSocketAsync().ConfigureAwait(false);
        Start("socket-reader", () =>
        {
            var buffer = new byte[16];
            // Note: the peer never sends, so the read blocks for ever.
            server.Receive(buffer);
        });
        _ = Task.Run(async () =>
        {
            while (true)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        });
        Start("burner", () => CpuBurner.Run(TimeSpan.MaxValue));
        Console.WriteLine("ready " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
    }

    private static void Start(string name, ThreadStart body) => new Thread(body) { IsBackground = true, Name = name }.Start();
}
