using System.Diagnostics.Metrics;
using System.Globalization;

// A child process for the dotnet and process collector tests: a .NET app with its own Meter ("Vigil.Test.Orders")
// that does what the test sends on standard input, one command per line, and answers "ok" after each:
//   add N       orders.placed (Counter) += N with tag region=eu; orders.active (UpDownCounter) += N
//   observe X   orders.duration (Histogram, seconds) records X
//   depth N     orders.queue.depth (ObservableGauge) reports N from now on
//   burn MS     spins until the process has used MS more milliseconds of CPU time
//   write N     writes N bytes to a temporary file, fsyncs and deletes it
//   files N     opens N more files and keeps them open
//   threads N   starts N more threads that sleep until the process exits
// orders.processed (ObservableCounter) reports 1000 plus everything added so far. The process prints
// "ready <pid>" once the meter exists and exits when standard input closes.
using var meter = new Meter("Vigil.Test.Orders", "1.0");
long added = 0;
var keep = new List<FileStream>();
long depth = 0;
var placed = meter.CreateCounter<long>("orders.placed", "{order}", "Orders placed");
var active = meter.CreateUpDownCounter<long>("orders.active", "{order}", "Orders in progress");
var duration = meter.CreateHistogram<double>("orders.duration", "s", "Time to place an order");
meter.CreateObservableGauge("orders.queue.depth", () => Interlocked.Read(ref depth), "{order}", "Orders waiting");
meter.CreateObservableCounter("orders.processed", () => 1000 + Interlocked.Read(ref added), "{order}", "Orders processed since start");

Console.Out.WriteLine("ready " + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Console.Out.Flush();
string? line;
while ((line = Console.In.ReadLine()) is not null)
{
    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (parts.Length != 2)
    {
        Console.Out.WriteLine("error: expected '<command> <number>', got: " + line);
        continue;
    }
    switch (parts[0])
    {
        case "add":
            long n = long.Parse(parts[1], CultureInfo.InvariantCulture);
            placed.Add(n, new KeyValuePair<string, object?>("region", "eu"));
            active.Add(n);
            Interlocked.Add(ref added, n);
            break;
        case "observe":
            duration.Record(double.Parse(parts[1], CultureInfo.InvariantCulture));
            break;
        case "depth":
            Interlocked.Exchange(ref depth, long.Parse(parts[1], CultureInfo.InvariantCulture));
            break;
        case "burn":
            // Note: CPU time, not wall time, so a busy machine cannot make the test's lower bound fail.
            var until = Environment.CpuUsage.TotalTime + TimeSpan.FromMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture));
            long x = 0;
            while (Environment.CpuUsage.TotalTime < until)
            {
                x = unchecked((x * 31) + 7);
            }
            GC.KeepAlive(x);
            break;
        case "write":
            string path = Path.GetTempFileName();
            using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            {
                var block = new byte[1 << 16];
                Array.Fill(block, (byte)'v');
                for (long left = long.Parse(parts[1], CultureInfo.InvariantCulture); left > 0; left -= block.Length)
                {
                    f.Write(block, 0, (int)Math.Min(left, block.Length));
                }
                f.Flush(flushToDisk: true);
            }
            break;
        case "files":
            for (int i = 0; i < int.Parse(parts[1], CultureInfo.InvariantCulture); i++)
            {
                keep.Add(new FileStream(Environment.ProcessPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            }
            break;
        case "threads":
            for (int i = 0; i < int.Parse(parts[1], CultureInfo.InvariantCulture); i++)
            {
                new Thread(() => Thread.Sleep(Timeout.Infinite)) { IsBackground = true }.Start();
            }
            break;
        default:
            Console.Out.WriteLine("error: unknown command " + parts[0]);
            continue;
    }
    Console.Out.WriteLine("ok");
    Console.Out.Flush();
}
