using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

// Fuzzes a running `vigil serve` with random PromQL over HTTP (valid queries, heavy subqueries, deep nesting, junk),
// then reports the answers by status, any 5xx or dropped connection (a finding), and the server's resident memory
// before, during and after the run, read from /proc/PID/status. Usage (see ../query-rss.sh):
//   QueryRss --url http://127.0.0.1:PORT --pid PID --end UNIX_S --span SECONDS [--queries 10000] [--concurrency 2]
//            [--seed 1] [--idle 60] [--warmup 300]
var opts = Options.Parse(args);
using var http = new HttpClient { BaseAddress = new Uri(opts.Url), Timeout = TimeSpan.FromSeconds(120) };
var rss = new RssSampler(opts.Pid);
var sampling = rss.RunAsync();

string[] metrics = await FetchNamesAsync(http);
Console.Error.WriteLine($"{metrics.Length} metric names; warming up with {opts.Warmup} ordinary queries");
var warm = new Fuzzer(new Random(opts.Seed + 1), metrics, opts.End, opts.Span, heavy: false);
var warmStats = new Stats();
await RunAsync(http, warm, opts.Warmup, opts.Concurrency, warmStats);
long beforeKb = rss.CurrentKb;

Console.Error.WriteLine($"RSS after warm-up {beforeKb / 1024} MB; running {opts.Queries} fuzzed queries, {opts.Concurrency} at a time");
rss.ResetPeak();
var fuzzer = new Fuzzer(new Random(opts.Seed), metrics, opts.End, opts.Span, heavy: true);
var stats = new Stats();
var sw = Stopwatch.StartNew();
await RunAsync(http, fuzzer, opts.Queries, opts.Concurrency, stats);
var elapsed = sw.Elapsed;
long afterKb = rss.CurrentKb;
long peakKb = rss.PeakKb;

Console.Error.WriteLine($"RSS right after the run {afterKb / 1024} MB (peak {peakKb / 1024} MB); idle {opts.Idle} s");
var idleCurve = new List<(int Seconds, long Kb)>();
for (int s = 0; s <= opts.Idle; s += 5)
{
    idleCurve.Add((s, rss.CurrentKb));
    if (s < opts.Idle)
    {
        await Task.Delay(TimeSpan.FromSeconds(5));
    }
}
bool alive = rss.Alive;
using (var r = await http.GetAsync("/api/v1/query?query=1%2B1"))
{
    alive &= r.StatusCode == HttpStatusCode.OK;
}
rss.Stop();
await sampling;

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"- queries: {stats.Total:N0} fuzzed in {elapsed.TotalSeconds:F0} s ({opts.Concurrency} at a time, seed {opts.Seed}) after {warmStats.Total:N0} warm-up queries"));
Console.WriteLine("- answers: " + string.Join(", ", stats.ByStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(inv, $"{kv.Key} × {kv.Value:N0}"))));
Console.WriteLine(string.Create(inv, $"- RSS: {beforeKb / 1024} MB after warm-up, peak {peakKb / 1024} MB during the run, {afterKb / 1024} MB right after, ") +
    string.Join(", ", idleCurve.Where(p => p.Seconds > 0 && (p.Seconds % 30 == 0 || p.Seconds == opts.Idle)).Distinct().Select(p => string.Create(inv, $"{p.Kb / 1024} MB after {p.Seconds} s idle"))));
Console.WriteLine("- server alive and answering at the end: " + (alive ? "yes" : "NO"));
Console.WriteLine(string.Create(inv, $"- findings (5xx answers or dropped connections): {stats.Findings.Count}"));
foreach (var f in stats.Findings.Take(20))
{
    Console.WriteLine("  - " + f);
}
return alive && stats.Findings.Count == 0 ? 0 : 1;

static async Task<string[]> FetchNamesAsync(HttpClient http)
{
    using var doc = JsonDocument.Parse(await http.GetStringAsync("/api/v1/label/__name__/values"));
    var names = doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToArray();
    return names.Length > 0 ? names : ["up"];
}

static async Task RunAsync(HttpClient http, Fuzzer fuzzer, int count, int concurrency, Stats stats)
{
    int next = -1;
    var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        while (Interlocked.Increment(ref next) < count)
        {
            FuzzRequest req;
            lock (fuzzer)
            {
                req = fuzzer.Next();
            }
            await SendAsync(http, req, stats);
        }
    }));
    await Task.WhenAll(workers);
}

static async Task SendAsync(HttpClient http, FuzzRequest req, Stats stats)
{
    using var cts = new CancellationTokenSource();
    if (req.CancelAfter is { } after)
    {
        cts.CancelAfter(after);
    }
    try
    {
        using var msg = req.Post
            ? new HttpRequestMessage(HttpMethod.Post, req.Path) { Content = new FormUrlEncodedContent(req.Form) }
            : new HttpRequestMessage(HttpMethod.Get, req.Path + "?" + string.Join("&", req.Form.Select(kv => kv.Key + "=" + Uri.EscapeDataString(kv.Value))));
        using var r = await http.SendAsync(msg, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        string body = await r.Content.ReadAsStringAsync(cts.Token);
        int code = (int)r.StatusCode;
        stats.Count(code.ToString(CultureInfo.InvariantCulture));
        if (code >= 500 && code != 503)
        {
            stats.Find($"{code} for {req}: {Text.Truncate(body, 300)}");
        }
        else if (code == 503 && !body.Contains("\"timeout\"", StringComparison.Ordinal))
        {
            stats.Find($"503 without a timeout error for {req}: {Text.Truncate(body, 300)}");
        }
    }
    catch (OperationCanceledException) when (cts.IsCancellationRequested)
    {
        stats.Count("client gave up");
    }
    catch (HttpRequestException e)
    {
        stats.Count("connection error");
        stats.Find($"connection error for {req}: {e.Message}");
    }
}

/// <summary>Text helpers.</summary>
internal static class Text
{
    public static string Truncate(string s, int n) => s.Length <= n ? s : s[..n] + $"… ({s.Length} chars)";
}

/// <summary>One HTTP request to make.</summary>
internal sealed record FuzzRequest(string Path, bool Post, List<KeyValuePair<string, string>> Form, TimeSpan? CancelAfter)
{
    public override string ToString()
    {
        string q = Form.FirstOrDefault(kv => kv.Key == "query").Value ?? string.Empty;
        return $"{(Post ? "POST" : "GET")} {Path} query={Text.Truncate(q, 160)} " + string.Join(" ", Form.Where(kv => kv.Key != "query").Select(kv => kv.Key + "=" + kv.Value));
    }
}

/// <summary>Answers counted by status, and findings.</summary>
internal sealed class Stats
{
    private readonly object _lock = new();

    public Dictionary<string, int> ByStatus { get; } = new(StringComparer.Ordinal);

    public List<string> Findings { get; } = [];

    public int Total
    {
        get
        {
            lock (_lock)
            {
                return ByStatus.Values.Sum();
            }
        }
    }

    public void Count(string key)
    {
        lock (_lock)
        {
            ByStatus[key] = ByStatus.GetValueOrDefault(key) + 1;
        }
    }

    public void Find(string what)
    {
        lock (_lock)
        {
            Findings.Add(what);
        }
    }
}

/// <summary>Reads the server's VmRSS every 200 ms and keeps the peak.</summary>
internal sealed class RssSampler(int pid)
{
    private volatile bool _stop;
    private long _current;
    private long _peak;

    public long CurrentKb => Interlocked.Read(ref _current);

    public long PeakKb => Interlocked.Read(ref _peak);

    public bool Alive { get; private set; } = true;

    public void ResetPeak() => Interlocked.Exchange(ref _peak, CurrentKb);

    public void Stop() => _stop = true;

    public async Task RunAsync()
    {
        while (!_stop)
        {
            long kb = Read();
            if (kb < 0)
            {
                Alive = false;
                return;
            }
            Interlocked.Exchange(ref _current, kb);
            if (kb > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, kb);
            }
            await Task.Delay(200);
        }
    }

    private long Read()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return -1;
    }
}

/// <summary>Random requests: ordinary queries and, with <c>heavy</c>, the hostile kinds as well.</summary>
internal sealed class Fuzzer(Random rnd, string[] metrics, long end, long span, bool heavy)
{
    private static readonly string[] Labels = ["job", "instance", "cpu", "mode", "le", "device", "nope"];
    private static readonly string[] Ranges = ["1s", "30s", "1m", "5m", "15m", "1h", "6h", "1d", "7d", "30d", "1y"];
    private static readonly string[] Steps = ["", "1ms", "10ms", "100ms", "1s", "15s", "1m", "5m"];
    private static readonly string[] OrdinaryRanges = ["1m", "5m", "15m", "1h"];
    private static readonly string[] OrdinarySteps = ["", "15s", "1m"];
    private static readonly string[] InstantFns = ["abs", "ceil", "floor", "sgn", "sqrt", "exp", "sort", "sort_desc", "timestamp", "-"];
    private static readonly string[] RangeFns = ["rate", "irate", "increase", "delta", "deriv", "resets", "changes", "avg_over_time", "max_over_time", "min_over_time", "sum_over_time", "count_over_time", "stddev_over_time", "last_over_time", "absent_over_time", "present_over_time"];
    private static readonly string[] Aggs = ["sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"];
    private static readonly string[] BinOps = ["+", "-", "*", "/", "%", "^", "atan2", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"];

    private T Pick<T>(T[] items) => items[rnd.Next(items.Length)];

    private bool Chance(double p) => rnd.NextDouble() < p;

    public FuzzRequest Next()
    {
        string query = heavy && Chance(0.15) ? Hostile() : Vector(rnd.Next(0, 4));
        if (heavy && Chance(0.1))
        {
            query = Mutate(query);
        }
        var form = new List<KeyValuePair<string, string>> { new("query", query) };
        string path;
        double roll = rnd.NextDouble();
        if (roll < 0.6)
        {
            path = "/api/v1/query";
            form.Add(new("time", Seconds(end - (long)(rnd.NextDouble() * span))));
        }
        else if (roll < 0.95)
        {
            path = "/api/v1/query_range";
            long len = (long)(rnd.NextDouble() * span);
            long start = end - len - (long)(rnd.NextDouble() * (span - len));
            long minStep = Math.Max(1, len / 11_000 + 1);
            long step = heavy && Chance(0.05) ? 1 : minStep * (1 + rnd.Next(0, 60));
            form.Add(new("start", Seconds(start)));
            form.Add(new("end", Seconds(start + len)));
            form.Add(new("step", step.ToString(CultureInfo.InvariantCulture)));
        }
        else
        {
            path = "/api/v1/format_query";
        }
        if (heavy)
        {
            string? timeout = Pick(new[] { null, "100ms", "1s", "2s", "5s", "10s" });
            if (timeout is not null)
            {
                form.Add(new("timeout", timeout));
            }
        }
        TimeSpan? cancel = heavy && Chance(0.05) ? TimeSpan.FromMilliseconds(rnd.Next(5, 800)) : null;
        return new FuzzRequest(path, Chance(0.5), form, cancel);
    }

    private static string Seconds(long s) => s.ToString(CultureInfo.InvariantCulture);

    private string Selector()
    {
        var sb = new StringBuilder(Pick(metrics));
        if (Chance(0.4))
        {
            sb.Append('{');
            int n = rnd.Next(1, 3);
            for (int i = 0; i < n; i++)
            {
                if (i > 0)
                {
                    sb.Append(',');
                }
                sb.Append(Pick(Labels)).Append(Pick(new[] { "=", "!=", "=~", "!~" })).Append('"').Append(Pick(new[] { "", ".*", "a.*", "0", "node.*", "x|y", "idle" })).Append('"');
            }
            sb.Append('}');
        }
        if (Chance(0.1))
        {
            sb.Append(" offset ").Append(Pick(Ranges));
        }
        return sb.ToString();
    }

    private string Range(int depth)
    {
        if (depth > 0 && Chance(0.35))
        {
            // Note: heavy runs use steps as small as 1 ms over ranges up to a year: refused up front or stopped by the
            // limits and timeouts. Ordinary ones (the warm-up) stay within what a dashboard asks for.
            return heavy
                ? "(" + Vector(depth - 1) + ")[" + Pick(Ranges) + ":" + Pick(Steps) + "]"
                : "(" + Vector(depth - 1) + ")[" + Pick(OrdinaryRanges) + ":" + Pick(OrdinarySteps) + "]";
        }
        return Selector() + "[" + Pick(heavy ? Ranges : OrdinaryRanges) + "]";
    }

    private string Scalar() => Pick(new[] { "0.5", "0.9", "1", "5", "60", "-1", "1e308", "NaN", "Inf" });

    private string Vector(int depth)
    {
        if (depth <= 0)
        {
            return Selector();
        }
        switch (rnd.Next(9))
        {
            case 0:
            {
                string f = Pick(InstantFns);
                return f == "-" ? "-(" + Vector(depth - 1) + ")" : f + "(" + Vector(depth - 1) + ")";
            }
            case 1:
            case 2:
                return Pick(RangeFns) + "(" + Range(depth) + ")";
            case 3:
                return "quantile_over_time(" + Scalar() + ", " + Range(depth) + ")";
            case 4:
                return Pick(Aggs) + (Chance(0.5) ? " by (" + Pick(Labels) + ")" : string.Empty) + " (" + Vector(depth - 1) + ")";
            case 5:
                return Pick(new[] { "topk", "bottomk", "quantile", "limitk" }) + "(" + Scalar() + ", " + Vector(depth - 1) + ")";
            case 6:
                return "(" + Vector(depth - 1) + ") " + Pick(BinOps) + (Chance(0.3) ? " on (" + Pick(Labels) + ")" : string.Empty) + " (" + Vector(depth - 1) + ")";
            case 7:
                return "histogram_quantile(" + Scalar() + ", sum by (le) (rate(" + Selector() + "[" + Pick(Ranges) + "])))";
            default:
                return "label_replace(" + Vector(depth - 1) + ", \"dst\", \"$1\", \"" + Pick(Labels) + "\", \"(.*)\")";
        }
    }

    /// <summary>The query-of-death shapes, oversized subqueries and junk.</summary>
    private string Hostile()
    {
        int n = rnd.Next(100, 50_000);
        switch (rnd.Next(8))
        {
            case 0:
                return new string('(', n) + "1" + new string(')', n);
            case 1:
                return new string('-', n) + Selector();
            case 2:
                return Repeat("abs(", n) + Selector() + new string(')', n);
            case 3:
                return Selector() + Repeat(" " + Pick(new[] { "or", "+", "^", "and", "*" }) + " " + Selector(), Math.Min(n, 5000));
            case 4:
                return Pick(RangeFns) + "(" + Selector() + "[" + Pick(new[] { "1y", "30d", "1d", "6h" }) + ":" + Pick(new[] { "1ms", "2ms", "10ms" }) + "])";
            case 5:
                return Pick(new[] { "quantile_over_time(0.5, ", "stddev_over_time(", "count_over_time(" }) + Selector() + "[" + Pick(new[] { "1y", "30d", "1d" }) + "])";
            case 6:
            {
                const string Alphabet = "(){}[]\"'`\\,:=~!@+-*/^%<>#$ .0123456789abcxyz_\n\t";
                var chars = new char[rnd.Next(1, 200)];
                for (int i = 0; i < chars.Length; i++)
                {
                    chars[i] = Chance(0.8) ? Alphabet[rnd.Next(Alphabet.Length)] : (char)rnd.Next(0, 0xFFFF);
                }
                return new string(chars);
            }
            default:
                return Mutate(Vector(3));
        }
    }

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    private string Mutate(string q)
    {
        var sb = new StringBuilder(q);
        for (int k = rnd.Next(1, 4); k > 0 && sb.Length > 0; k--)
        {
            int at = rnd.Next(sb.Length);
            switch (rnd.Next(3))
            {
                case 0:
                    sb.Insert(at, Pick(new[] { "(", ")", "[", "]", "{", "}", "\"", ",", " offset ", "[5m:1ms]", " @ ", "-", "by", "\\" }));
                    break;
                case 1:
                    sb.Remove(at, Math.Min(sb.Length - at, rnd.Next(1, 6)));
                    break;
                default:
                    sb.Insert(at, sb.ToString(at, Math.Min(sb.Length - at, rnd.Next(1, 30))));
                    break;
            }
        }
        return sb.ToString();
    }
}

/// <summary>Command-line options.</summary>
internal sealed record Options(string Url, int Pid, long End, long Span, int Queries, int Concurrency, int Seed, int Idle, int Warmup)
{
    public static Options Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            map[args[i].TrimStart('-')] = args[i + 1];
        }
        int Int(string name, int def) => map.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : def;
        long Long(string name) => map.TryGetValue(name, out string? v) ? long.Parse(v, CultureInfo.InvariantCulture) : throw new ArgumentException("--" + name + " is required");
        return new Options(
            map.TryGetValue("url", out string? url) ? url : throw new ArgumentException("--url is required"),
            (int)Long("pid"), Long("end"), Long("span"),
            Int("queries", 10_000), Int("concurrency", 2), Int("seed", 1), Int("idle", 60), Int("warmup", 300));
    }
}
