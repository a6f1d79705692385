using System.Globalization;
using SharpFuzz;

namespace Vigil.Fuzz;

/// <summary>
/// Fuzz harness for Vigil's parsers. <c>bench/fuzz/run.sh</c> drives it; the commands are:
/// <list type="bullet">
/// <item><c>list</c>: the targets and what counts as a clean refusal for each.</item>
/// <item><c>afl TARGET</c>: the SharpFuzz out-of-process fork server for afl-fuzz (input on stdin).</item>
/// <item><c>run TARGET FILE...</c>: feeds saved inputs once and prints each outcome or the full stack (a reproducer).</item>
/// <item><c>smoke N [--seeds DIR] [--out DIR] [--timeout SECONDS] [--seed S] TARGET...</c>: N random mutations per
/// target without afl, each target in a child process that is restarted when an input kills it.</item>
/// <item><c>seeds TARGET DIR</c>: writes generated seeds (binary WAL records and segments).</item>
/// </list>
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage();
        }
        switch (args[0])
        {
            case "list":
                foreach (var t in Targets.All)
                {
                    Console.WriteLine($"{t.Name,-12} {t.Description}");
                }
                return 0;
            case "afl" when args.Length == 2:
                var target = Require(args[1]);
                Fuzzer.OutOfProcess.Run(stream =>
                {
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    ServerStack.Run(target, buffer.ToArray());
                });
                return 0;
            case "run" when args.Length >= 3:
                return RunFiles(Require(args[1]), args[2..]);
            case "seeds" when args.Length == 3:
                WalTargets.WriteSeeds(args[1], args[2]);
                return 0;
            case "smoke" when args.Length >= 2:
                return Smoke.Run(args[1..]);
            case "smoke-child" when args.Length == 7:
                return Smoke.Child(Require(args[1]), args[2..]);
            default:
                return Usage();
        }
    }

    private static FuzzTarget Require(string name)
        => Targets.Find(name) ?? throw new ArgumentException($"unknown target \"{name}\"; `list` shows the targets");

    private static int RunFiles(FuzzTarget target, string[] files)
    {
        int findings = 0;
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
            try
            {
                var outcome = ServerStack.Run(target, input);
                Console.WriteLine($"{file}: {outcome.ToString().ToLowerInvariant()}");
            }
#pragma warning disable CA1031 // Every exception that escapes a target is the finding being reproduced.
            catch (Exception e)
#pragma warning restore CA1031
            {
                findings++;
                Console.WriteLine($"{file}: FINDING ({input.Length.ToString(CultureInfo.InvariantCulture)} bytes)");
                Console.WriteLine(e.ToString());
            }
        }
        return findings == 0 ? 0 : 1;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: Vigil.Fuzz list | afl TARGET | run TARGET FILE... | seeds TARGET DIR"
            + " | smoke N [--seeds DIR] [--out DIR] [--timeout SECONDS] [--seed S] TARGET...");
        return 2;
    }
}
