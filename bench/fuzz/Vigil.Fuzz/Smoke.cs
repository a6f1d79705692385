using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Fuzz;

/// <summary>
/// The afl-free mode: N random mutations per target. Each target runs in a child process (<c>smoke-child</c>) so that an
/// input that kills the process (stack overflow) or hangs it is saved and the run goes on in a new child.
/// </summary>
internal static class Smoke
{
    private const int MaxRestarts = 25;
    private const int HangExitCode = 3;

    public static int Run(string[] args)
    {
        long n = long.Parse(args[0], CultureInfo.InvariantCulture);
        string root = FindRepoFolder("bench/fuzz");
        string seeds = Path.Combine(root, "seeds");
        string output = Path.Combine(root, "artifacts", "smoke");
        string dict = Path.Combine(root, "dict");
        double timeout = 10;
        int seed = Environment.TickCount;
        var names = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seeds": seeds = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--dict": dict = args[++i]; break;
                case "--timeout": timeout = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: names.Add(args[i]); break;
            }
        }
        var targets = names.Count == 0 ? Targets.All : names.Select(t => Targets.Find(t) ?? throw new ArgumentException("unknown target " + t)).ToList();
        var rows = new List<string>();
        int totalFindings = 0;
        foreach (var target in targets)
        {
            var r = Supervise(target, n, Path.Combine(seeds, target.Name), Path.Combine(output, target.Name),
                Path.Combine(dict, target.Name + ".dict"), timeout, seed);
            totalFindings += r.Unique + r.Deaths + r.Hangs;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"{target.Name,-12} {r.Execs,9} {r.Accepted,9} {r.Rejected,9} {r.Findings,9} {r.Unique,7} {r.Deaths,7} {r.Hangs,6} {r.Seconds,8:F1}"));
        }
        Console.WriteLine();
        Console.WriteLine($"{"target",-12} {"execs",9} {"accepted",9} {"rejected",9} {"findings",9} {"unique",7} {"deaths",7} {"hangs",6} {"seconds",8}");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine($"inputs of findings: {output}/<target>/crashes and hangs");
        return totalFindings == 0 ? 0 : 1;
    }

    private sealed record Result(long Execs, long Accepted, long Rejected, long Findings, int Unique, int Deaths, int Hangs, double Seconds);

    private static Result Supervise(FuzzTarget target, long n, string seeds, string output, string dict, double timeout, int seed)
    {
        Directory.CreateDirectory(Path.Combine(output, "crashes"));
        Directory.CreateDirectory(Path.Combine(output, "hangs"));
        File.Delete(Path.Combine(output, ".cur_input"));
        var sw = Stopwatch.StartNew();
        long left = n, execs = 0, accepted = 0, rejected = 0, findings = 0;
        int deaths = 0, hangs = 0, restarts = 0;
        var unique = new HashSet<string>(StringComparer.Ordinal);
        string self = typeof(Program).Assembly.Location;
        while (left > 0 && restarts <= MaxRestarts)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { self, "smoke-child", target.Name, left.ToString(CultureInfo.InvariantCulture), seeds, output,
                timeout.ToString(CultureInfo.InvariantCulture), dict })
            {
                psi.ArgumentList.Add(a);
            }
            psi.Environment["VIGIL_FUZZ_RANDOM_SEED"] = (seed + restarts).ToString(CultureInfo.InvariantCulture);
            using var child = Process.Start(psi)!;
            var stderr = new StringBuilder();
            child.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null && stderr.Length < 64 * 1024)
                {
                    stderr.AppendLine(e.Data);
                }
            };
            child.BeginErrorReadLine();
            long progress = 0;
            (long Accepted, long Rejected, long Findings) lastCounts = (0, 0, 0);
            bool finished = false;
            string? line;
            while ((line = child.StandardOutput.ReadLine()) is not null)
            {
                string[] f = line.Split(' ');
                switch (f[0])
                {
                    case "progress":
                        progress = long.Parse(f[1], CultureInfo.InvariantCulture);
                        lastCounts = (long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture),
                            long.Parse(f[4], CultureInfo.InvariantCulture));
                        break;
                    case "finding" when unique.Add(f[1]):
                        Console.WriteLine($"  {target.Name}: new finding {f[1]} -> {f[2]}");
                        break;
                    case "summary":
                        execs += long.Parse(f[1], CultureInfo.InvariantCulture);
                        accepted += long.Parse(f[2], CultureInfo.InvariantCulture);
                        rejected += long.Parse(f[3], CultureInfo.InvariantCulture);
                        findings += long.Parse(f[4], CultureInfo.InvariantCulture);
                        finished = true;
                        break;
                }
            }
            child.WaitForExit();
            if (finished)
            {
                left = 0;
                break;
            }
            // The child died or hung: it ran about `progress` inputs; the one in .cur_input is the culprit.
            restarts++;
            execs += progress + 1;
            accepted += lastCounts.Accepted;
            rejected += lastCounts.Rejected;
            findings += lastCounts.Findings;
            left -= progress + 1;
            string current = Path.Combine(output, ".cur_input");
            if (child.ExitCode == HangExitCode)
            {
                hangs++;
                Console.WriteLine($"  {target.Name}: hang (over {timeout} s), input saved in hangs/");
                continue;
            }
            deaths++;
            if (!File.Exists(current))
            {
                Console.WriteLine($"  {target.Name}: the child exited with code {child.ExitCode} before its first input: {stderr}");
                break;
            }
            if (File.Exists(current))
            {
                byte[] input = File.ReadAllBytes(current);
                string name = "died-" + Convert.ToHexStringLower(SHA256.HashData(input))[..16];
                File.Copy(current, Path.Combine(output, "crashes", name), overwrite: true);
                File.WriteAllText(Path.Combine(output, "crashes", name + ".txt"),
                    $"process exited with code {child.ExitCode} on a {input.Length}-byte input\n{stderr}");
                string first = stderr.ToString().Split('\n').FirstOrDefault(l => l.Length > 0) ?? "(no output)";
                Console.WriteLine($"  {target.Name}: process died (exit {child.ExitCode}: {first.Trim()}), input saved as crashes/{name}");
            }
        }
        return new Result(execs, accepted, rejected, findings + deaths + hangs, unique.Count, deaths, hangs, sw.Elapsed.TotalSeconds);
    }

    /// <summary>The child: runs the mutations, saves every unique finding, exits with <see cref="HangExitCode"/> on a hang.</summary>
    public static int Child(FuzzTarget target, string[] a)
    {
        long n = long.Parse(a[0], CultureInfo.InvariantCulture);
        string seeds = a[1], output = a[2], dict = a[4];
        var timeout = TimeSpan.FromSeconds(double.Parse(a[3], CultureInfo.InvariantCulture));
        int seed = int.Parse(Environment.GetEnvironmentVariable("VIGIL_FUZZ_RANDOM_SEED") ?? "1", CultureInfo.InvariantCulture);
        var corpus = Directory.Exists(seeds) ? Directory.GetFiles(seeds).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList() : [];
        if (corpus.Count == 0)
        {
            corpus.Add([]);
        }
        var mutator = new Mutator(new Random(seed), corpus, Mutator.LoadDictionary(dict));
        string current = Path.Combine(output, ".cur_input");
        long started = 0;
        var watchdog = new Thread(() =>
        {
            while (true)
            {
                Thread.Sleep(200);
                long s = Interlocked.Read(ref started);
                if (s != 0 && Stopwatch.GetElapsedTime(s) > timeout)
                {
                    string name = "hang-" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(current)))[..16];
                    File.Copy(current, Path.Combine(output, "hangs", name), overwrite: true);
                    Console.Out.Flush();
                    Environment.Exit(HangExitCode);
                }
            }
        }) { IsBackground = true };
        watchdog.Start();
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        long accepted = 0, rejected = 0, findings = 0;
        long i = 0;
        for (; i < n; i++)
        {
            byte[] input = i < corpus.Count ? corpus[(int)i] : mutator.Next();
            File.WriteAllBytes(current, input);
            Interlocked.Exchange(ref started, Stopwatch.GetTimestamp());
            try
            {
                if (ServerStack.Run(target, input) == Outcome.Accepted)
                {
                    accepted++;
                }
                else
                {
                    rejected++;
                }
            }
#pragma warning disable CA1031 // Every exception that escapes a target is a finding.
            catch (Exception e)
#pragma warning restore CA1031
            {
                findings++;
                string signature = Signature(e);
                if (signatures.Add(signature))
                {
                    string name = "ex-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signature)))[..16];
                    File.WriteAllBytes(Path.Combine(output, "crashes", name), input);
                    File.WriteAllText(Path.Combine(output, "crashes", name + ".txt"), e.ToString());
                    Console.WriteLine($"finding {name} {e.GetType().Name}:{FirstLine(e.Message)}");
                }
            }
            Interlocked.Exchange(ref started, 0);
            if (i % 100 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress {i} {accepted} {rejected} {findings}"));
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"summary {i} {accepted} {rejected} {findings} {signatures.Count}"));
        return 0;
    }

    /// <summary>The exception type and the first frames of its stack inside Vigil: one entry per distinct bug.</summary>
    private static string Signature(Exception e)
    {
        var frames = (e.StackTrace ?? string.Empty).Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("at Vigil.", StringComparison.Ordinal) && !l.StartsWith("at Vigil.Fuzz.", StringComparison.Ordinal))
            .Select(l => l.Split(" in ")[0])
            .Take(3);
        string inner = e.InnerException is { } x ? "<-" + x.GetType().Name : string.Empty;
        string kind = e is FuzzFindingException f ? FirstLine(f.Message).Split(':')[0] : string.Empty;
        return e.GetType().FullName + inner + kind + "|" + string.Join("|", frames);
    }

    private static string FirstLine(string s)
    {
        string line = s.Split('\n')[0].Replace(' ', '_');
        return line.Length > 100 ? line[..100] : line;
    }

    /// <summary>Finds <paramref name="relative"/> walking up from the harness's binaries (the repository's bench/fuzz).</summary>
    private static string FindRepoFolder(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return Path.Combine(Directory.GetCurrentDirectory(), relative);
    }
}
