using System.Diagnostics.Metrics;
using System.Globalization;

// A child process for the dotnet collector tests: a .NET app with its own Meter ("Vigil.Test.Orders") that records
// what the test sends on standard input, one command per line, and answers "ok" after each:
//   add N       orders.placed (Counter) += N with tag region=eu; orders.active (UpDownCounter) += N
//   observe X   orders.duration (Histogram, seconds) records X
//   depth N     orders.queue.depth (ObservableGauge) reports N from now on
// orders.processed (ObservableCounter) reports 1000 plus everything added so far. The process prints
// "ready <pid>" once the meter exists and exits when standard input closes.
using var meter = new Meter("Vigil.Test.Orders", "1.0");
long added = 0;
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
        default:
            Console.Out.WriteLine("error: unknown command " + parts[0]);
            continue;
    }
    Console.Out.WriteLine("ok");
    Console.Out.Flush();
}
