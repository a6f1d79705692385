using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Vigil.Core.Model;

namespace Vigil.Cli.Demo;

/// <summary>One run of <c>vigil demo</c>: starts the three processes, follows the optimizer, prints the story and the numbers.</summary>
internal sealed class DemoRun(DemoSettings settings, TextWriter stdout, TextWriter stderr, bool verbose)
{
    /// <summary>The file next to vigil's own assembly that holds the sample service and the load generator.</summary>
    public const string ServiceAssembly = "Vigil.Demo.Service.dll";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(5);

    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly Lock _outputLock = new();

    public async Task<int> RunAsync(int port, string? keepDir, CancellationToken ct)
    {
        string service = Path.Combine(AppContext.BaseDirectory, ServiceAssembly);
        if (!File.Exists(service))
        {
            throw new CliException($"the demo service {service} is missing; build src/Vigil (it references samples/Vigil.Demo.Service)");
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bool interrupted = false;
        void OnSignal(PosixSignalContext context)
        {
            // Note: stop the three processes and print what was measured so far instead of dying with them.
            context.Cancel = true;
            interrupted = true;
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        string dir = keepDir ?? Path.Combine(Path.GetTempPath(), "vigil-demo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var children = new List<DemoChild>();
        _clock.Start();
        try
        {
            return await RunScenarioAsync(service, dir, port, children, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Line(interrupted ? "Stopped by a signal; stopping the service, the load generator and vigil serve." : "Cancelled.");
            return interrupted ? 0 : 1;
        }
        finally
        {
            // Note: the load goes first so the service is not flooded with errors while vigil serve flushes.
            for (int i = children.Count - 1; i >= 0; i--)
            {
                int? code = await children[i].StopAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
                if (code is not 0 && verbose)
                {
                    Line($"{children[i].Name} exited {(code is null ? "only when killed" : "with code " + code.Value.ToString(CultureInfo.InvariantCulture))}");
                }
                await children[i].DisposeAsync().ConfigureAwait(false);
            }
            if (keepDir is null)
            {
                TryDelete(dir);
            }
            else
            {
                Line($"The configuration, rules and data are kept in {dir}.");
            }
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<int> RunScenarioAsync(string serviceDll, string dir, int port, List<DemoChild> children, CancellationToken ct)
    {
        string dotnet = DotnetHost();
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await File.WriteAllTextAsync(Path.Combine(dir, "tunables.token"), token + "\n", ct).ConfigureAwait(false);

        var service = Start(children, "service", [dotnet, serviceDll, "serve", "--pool-size", Invariant(settings.PoolSize),
            "--cache-size", Invariant(settings.CacheSize), "--token-file", "tunables.token"], dir);
        string ready = await service.WaitForLineAsync("listening ", StartTimeout, ct).ConfigureAwait(false);
        // "listening http://127.0.0.1:P/ metrics http://127.0.0.1:M/ ..."
        string[] words = ready.Split(' ');
        var serviceUrl = new Uri(words[1]);
        var metricsUrl = new Uri(words[3]);
        string metricsHostPort = metricsUrl.Host + ":" + Invariant(metricsUrl.Port);

        await File.WriteAllTextAsync(Path.Combine(dir, "demo-rules.yml"), settings.RulesYaml(settings.PoolSize), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(dir, "vigil.yaml"), settings.VigilYaml(metricsHostPort, "demo-rules.yml", "tunables.token"), ct).ConfigureAwait(false);
        if (port == 0)
        {
            port = FreePort();
        }
        var vigilUrl = new Uri($"http://127.0.0.1:{Invariant(port)}/");
        var vigil = Start(children, "vigil", [.. SelfCommand(), "serve", "--config", "vigil.yaml", "--listen", "127.0.0.1:" + Invariant(port),
            "--data-dir", "data", "--log-level", "warn"], dir);
        using var api = new DemoApi(vigilUrl, metricsUrl, token);
        await WaitReadyAsync(api, vigil, ct).ConfigureAwait(false);
        var load = Start(children, "load", [dotnet, serviceDll, "load", "--url", serviceUrl.ToString(), "--rate", Invariant(settings.Rate), "--report", "5"], dir);

        Header(serviceUrl, metricsUrl, vigilUrl, dir);
        var started = DateTimeOffset.UtcNow;
        var deadline = started + settings.Timeout;
        var nextStatus = TimeSpan.Zero;
        List<DemoExecution> executions = [];
        while (true)
        {
            foreach (var child in children)
            {
                if (child.HasExited)
                {
                    throw new CliException($"the demo's {child.Name} stopped unexpectedly:\n{child.Tail()}");
                }
            }
            executions = await api.ExecutionsAsync(ct).ConfigureAwait(false);
            Report(executions, vigilUrl);
            if (_clock.Elapsed >= nextStatus)
            {
                await StatusAsync(api, ct).ConfigureAwait(false);
                nextStatus = _clock.Elapsed + StatusEvery;
            }
            if (Finished(executions) || Quiet(executions, started + settings.Baseline, DateTimeOffset.UtcNow, QuietFor) || DateTimeOffset.UtcNow > deadline)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
        bool finished = Finished(executions) || Quiet(executions, started + settings.Baseline, DateTimeOffset.UtcNow, QuietFor);
        if (!finished)
        {
            Line($"The scenario did not finish within {Seconds(settings.Timeout)}; the numbers below are what was measured.");
        }
        else
        {
            // Note: "after" is a fresh window past the last change (and its settle time), as long as an observation window.
            // Note: the wait covers the settle time and the rate() range too, so no value of the window sees the last change.
            var wait = settings.EvaluatorSettle + settings.Observation + settings.Step;
            Line($"The loop is quiet (no policy can act on the pool now); measuring p99 for {Seconds(wait)} more.");
            var until = DateTimeOffset.UtcNow + wait;
            while (DateTimeOffset.UtcNow < until)
            {
                await Task.Delay(StatusEvery < until - DateTimeOffset.UtcNow ? StatusEvery : until - DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
                await StatusAsync(api, ct).ConfigureAwait(false);
            }
        }
        await SummaryAsync(api, executions, started, ct).ConfigureAwait(false);
        return finished ? 0 : 1;
    }

    /// <summary>How long the loop must have been idle (nothing running, nothing new) before the demo calls it quiet: one whole trial and one more baseline.</summary>
    private TimeSpan QuietFor => settings.Baseline + settings.EvaluatorSettle + settings.Observation + settings.Baseline + settings.Step;

    /// <summary>
    /// True when nothing runs and nothing happened for <paramref name="quietFor"/> since the last execution ended (or
    /// since <paramref name="since"/>, the first moment the optimizer could act): no policy will act on this load.
    /// </summary>
    internal static bool Quiet(IReadOnlyList<DemoExecution> executions, DateTimeOffset since, DateTimeOffset now, TimeSpan quietFor)
    {
        if (executions.Any(e => e.Status == "Running"))
        {
            return false;
        }
        var last = since;
        foreach (var e in executions.Where(e => e.Mode != "recommend"))
        {
            var at = e.EndTime ?? e.CreatedAt;
            if (at > last)
            {
                last = at;
            }
        }
        return now - last >= quietFor;
    }

    private bool Finished(List<DemoExecution> executions) => Finished(executions, settings.HarmfulPolicy);

    /// <summary>The scenario is over when grow-pool stopped (a change was undone or impossible), the cost policy ended an execution, and none runs.</summary>
    internal static bool Finished(IReadOnlyList<DemoExecution> executions, bool harmfulPolicy)
    {
        if (executions.Any(e => e.Status == "Running"))
        {
            return false;
        }
        var pool = executions.Where(e => e.Target == "demo/pool_size" && e.Mode == "auto").ToList();
        bool growStopped = pool.Any(e => e.Policy == "grow-pool" && e.Status is "RolledBack" or "Rejected" or "Failed");
        // Note: the cost policy acts only on a pool above its budget, that is after a kept grow.
        bool harmDone = !harmfulPolicy || !pool.Any(e => e.Policy == "grow-pool" && e.Status == "Completed")
            || pool.Any(e => e.Policy == "save-workers" && e.IsTerminal);
        return growStopped && harmDone;
    }

    private void Header(Uri service, Uri metrics, Uri vigil, string dir)
    {
        Line("Vigil demo: closing the loop on a real workload.");
        Line($"  service  {service} (GET /item/{{key}}; metrics and tunables on {metrics})");
        Line($"  load     {settings.Rate.ToString("0.#", CultureInfo.InvariantCulture)} requests/s, Zipf-distributed keys");
        Line($"  vigil    {vigil} (dashboard; try: vigil optimize list --server {vigil.ToString().TrimEnd('/')})");
        Line($"  files    {dir}");
        Line($"  loop     p99 objective {Millis(settings.Objective.TotalSeconds)}; windows: baseline {Seconds(settings.Baseline)}, settle {Seconds(settings.EvaluatorSettle)} (with the rate() range), observation {Seconds(settings.Observation)}, step {Seconds(settings.Step)}; impact threshold {Percent(settings.ImpactThreshold)}");
        Line($"  start    pool_size {Invariant(settings.PoolSize)}, cache_size {Invariant(settings.CacheSize)}; the optimizer waits one baseline window before its first action");
    }

    private async Task StatusAsync(DemoApi api, CancellationToken ct)
    {
        try
        {
            double? p99 = await api.QueryAsync(settings.P99Query, ct).ConfigureAwait(false);
            double? rps = await api.QueryAsync(settings.ThroughputQuery, ct).ConfigureAwait(false);
            double? errors = await api.QueryAsync(settings.ErrorRatioQuery, ct).ConfigureAwait(false);
            double? hits = await api.QueryAsync(settings.HitRatioQuery, ct).ConfigureAwait(false);
            string pool = await api.TunableAsync("pool_size", ct).ConfigureAwait(false);
            Line($"pool_size {pool,-3} p99 {Millis(p99),9}   answered {(rps is { } r ? r.ToString("0", CultureInfo.InvariantCulture) : "-"),4}/s   errors {Percent(errors),7}   cache hits {Percent(hits)}");
        }
        catch (HttpRequestException e)
        {
            Line("status not available: " + e.Message);
        }
    }

    /// <summary>Prints what changed in the executions since the last call.</summary>
    private void Report(List<DemoExecution> executions, Uri vigil)
    {
        foreach (var e in Enumerable.Reverse(executions))
        {
            string state = e.Status + "/" + e.Phase + "/" + (e.AppliedValue ?? string.Empty);
            if (_seen.TryGetValue(e.Id, out string? before) && before == state)
            {
                continue;
            }
            bool isNew = before is null;
            _seen[e.Id] = state;
            string what = $"{e.Policy}: {e.Type} {e.Target} ({e.Parameters})";
            if (isNew && e.Mode == "recommend")
            {
                Line($"recommended  {what} [{e.ShortId}]; recommend mode, so nothing is changed (see: vigil optimize show {e.ShortId} --server {vigil.ToString().TrimEnd('/')})");
                continue;
            }
            if (isNew && !e.IsTerminal)
            {
                Line($"action       {what} [{e.ShortId}]");
            }
            if (e.AppliedValue is not null && (before is null || !before.EndsWith("/" + e.AppliedValue, StringComparison.Ordinal)) && e.Status != "Rejected")
            {
                Line($"applied      {Knob(e)}: {e.PreviousValue} -> {e.AppliedValue}; settling {Seconds(settings.EvaluatorSettle)}, then observing {Seconds(settings.Observation)}");
            }
            if (!e.IsTerminal || e.Mode == "recommend")
            {
                continue;
            }
            string change = $"{Knob(e)} {e.PreviousValue} -> {e.AppliedValue}";
            switch (e.Status)
            {
                case "Completed":
                    Line($"kept         {e.Policy} [{e.ShortId}] {change}: {e.Reason}");
                    break;
                case "RolledBack":
                    Line($"rolled back  {e.Policy} [{e.ShortId}] {change} (restored {e.PreviousValue}): {e.Reason ?? e.Error}");
                    break;
                case "Rejected":
                    Line($"not applied  {e.Policy} [{e.ShortId}]: {e.Error ?? "rejected"}");
                    break;
                default:
                    Line($"{e.Status.ToLowerInvariant(),-12} {e.Policy} [{e.ShortId}]: {e.Error}");
                    break;
            }
            foreach (var m in e.Metrics)
            {
                Line($"             {m.Name} ({m.Role.ToLowerInvariant()}): {m.Classification.ToLowerInvariant()}, median {Value(m.Name, m.BaselineMedian)} -> {Value(m.Name, m.ObservationMedian)} over {Invariant(m.BaselineCount)}/{Invariant(m.ObservationCount)} values, p = {(m.PValue is { } p ? p.ToString("G2", CultureInfo.InvariantCulture) : "-")}");
            }
        }
    }

    private async Task SummaryAsync(DemoApi api, List<DemoExecution> executions, DateTimeOffset started, CancellationToken ct)
    {
        var ordered = executions.Where(e => e.Mode == "auto").OrderBy(e => e.CreatedAt).ToList();
        var first = ordered.FirstOrDefault(e => e.AppliedAt is not null);
        // Note: "before" is the first action's own baseline window: what the evaluator measured before anything changed.
        double? before = first?.Metrics.FirstOrDefault(m => m.Role == "Target" && m.Name == "p99_latency")?.BaselineMedian;
        if (before is null)
        {
            var values = await api.QueryRangeAsync(settings.P99Query, started, started + settings.Baseline, settings.Step, ct).ConfigureAwait(false);
            before = Median(values);
        }
        var now = DateTimeOffset.UtcNow;
        double? after = Median(await api.QueryRangeAsync(settings.P99Query, now - settings.Observation, now, settings.Step, ct).ConfigureAwait(false));
        string finalPool = await api.TunableAsync("pool_size", ct).ConfigureAwait(false);
        Line(string.Empty);
        Line("Summary");
        // Note: one unit for every latency of the summary and the verdict, so they read side by side.
        bool inSeconds = Math.Max(before ?? 0, after ?? 0) >= 1;
        string L(double? v) => Latency(v, inSeconds);
        Line($"  p99 before   {L(before),9}  (pool_size {Invariant(settings.PoolSize)}; median of the per-second p99 over the first baseline window)");
        Line($"  p99 after    {L(after),9}  (pool_size {finalPool}; median over the last {Seconds(settings.Observation)})");
        if (before is { } b && after is { } a && b > 0)
        {
            Line($"  change       {(a - b) / b * 100:+0.#;-0.#} %  ({(a > 0 ? b / a : double.PositiveInfinity):0.#}x {(a <= b ? "faster" : "slower")})");
        }
        Line($"  actions      {ordered.Count(e => e.AppliedAt is not null)} applied: {ordered.Count(e => e.Status == "Completed")} kept, {ordered.Count(e => e.Status == "RolledBack")} rolled back, {ordered.Count(e => e.Status == "Failed")} failed; {executions.Count(e => e.Mode == "recommend")} recommendation(s) listed, not applied");
        foreach (var e in ordered.Where(e => e.AppliedAt is not null))
        {
            string took = e.EndTime is { } end && e.AppliedAt is { } at ? (end - at).TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s" : "-";
            string impact = e.Impact is { } i ? $", target {(i >= 0 ? "improved" : "worsened")} {Math.Abs(i) * 100:0.#} %" : string.Empty;
            string why = string.Empty;
            if (e.Status == "RolledBack" && e.Reason is { } reason)
            {
                int colon = reason.IndexOf(':', StringComparison.Ordinal);
                why = " (" + (colon > 0 ? reason[..colon] : reason) + ")";
            }
            Line($"    {e.ShortId}  {e.Policy,-12} {Knob(e)} {e.PreviousValue} -> {e.AppliedValue}: {e.Status}{impact}{why}, decided {took} after the change");
        }
        double? hits = await QuietlyAsync(api.QueryAsync(settings.HitRatioQuery, ct)).ConfigureAwait(false);
        Line(Verdict(after, settings.Objective.TotalSeconds, ordered, executions.Where(e => e.Mode == "recommend").Select(e => e.Policy).Distinct().ToList(), hits, L));
    }

    /// <summary>The closing verdict: the objective met, or out of reach of the automatic levers with what was tried and what is left to a person.</summary>
    internal static string Verdict(double? after, double objective, IReadOnlyList<DemoExecution> applied, IReadOnlyList<string> recommended, double? hitRatio, Func<double?, string> latency)
    {
        if (after is { } a && a <= objective)
        {
            return $"Verdict      objective met: p99 {latency(a)} ≤ {latency(objective)}.";
        }
        var tried = applied.Where(e => e.AppliedAt is not null)
            .Select(e => $"{e.Policy} {Knob(e)} {e.PreviousValue} -> {e.AppliedValue} {(e.Status == "Completed" ? "kept" : e.Status == "RolledBack" ? "rolled back" : e.Status.ToLowerInvariant())}"
                + (e.Metrics.FirstOrDefault(m => m.Role == "Target") is { PValue: { } p } ? $" (p = {p.ToString("G2", CultureInfo.InvariantCulture)})" : string.Empty))
            .ToList();
        string left = recommended.Count == 0 ? string.Empty
            : $"; left to a person (recommend-mode policies, not applied): {string.Join(", ", recommended)}"
                + (hitRatio is { } h ? $" (cache hit ratio {(h * 100).ToString("0", CultureInfo.InvariantCulture)} %)" : string.Empty);
        return $"Verdict      objective out of reach of automatic levers: p99 {latency(after)} > {latency(objective)}; tried: "
            + (tried.Count == 0 ? "nothing (no policy could act)" : string.Join("; ", tried)) + left + ".";
    }

    private static async Task<double?> QuietlyAsync(Task<double?> query)
    {
        try
        {
            return await query.ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private async Task WaitReadyAsync(DemoApi api, DemoChild vigil, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await api.ReadyAsync(ct).ConfigureAwait(false))
        {
            if (vigil.HasExited)
            {
                throw new CliException($"vigil serve exited before it was ready:\n{vigil.Tail()}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new CliException($"vigil serve was not ready within {StartTimeout.TotalSeconds:0} s:\n{vigil.Tail()}");
            }
            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    private DemoChild Start(List<DemoChild> children, string name, string[] argv, string dir)
    {
        var child = DemoChild.Start(name, argv, dir, verbose ? line => Line($"  {name} | {line}") : null);
        children.Add(child);
        return child;
    }

    private void Line(string text)
    {
        lock (_outputLock)
        {
            var t = _clock.Elapsed;
            stdout.WriteLine(text.Length == 0 ? text : $"[{(int)t.TotalMinutes:00}:{t.Seconds:00}] {text}");
            stdout.Flush();
        }
    }

    private static string Knob(DemoExecution e) => e.Target.Contains('/', StringComparison.Ordinal) ? e.Target[(e.Target.IndexOf('/', StringComparison.Ordinal) + 1)..] : e.Target;

    /// <summary>The command that starts this vigil again (the apphost, or <c>dotnet vigil.dll</c>).</summary>
    private static string[] SelfCommand()
    {
        string path = Environment.ProcessPath ?? throw new CliException("cannot tell where the vigil executable is");
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? [path, Path.Combine(AppContext.BaseDirectory, "vigil.dll")] : [path];
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }
        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private static string Value(string metric, double? v) => metric.Contains("latency", StringComparison.Ordinal) ? Millis(v)
        : metric.Contains("ratio", StringComparison.Ordinal) ? Percent(v)
        : v is { } x ? x.ToString("G4", CultureInfo.InvariantCulture) : "-";

    private static string Millis(double? seconds) => seconds is not { } s ? "-"
        : s >= 1 ? s.ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : (s * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Latency(double? seconds, bool inSeconds) => seconds is not { } s ? "-"
        : inSeconds ? s.ToString("0.000", CultureInfo.InvariantCulture) + " s"
        : (s * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Percent(double? v) => v is { } x ? (x * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "-";

    private static string Seconds(TimeSpan t) => PrometheusDuration.Format(t);

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"vigil: could not delete {dir}: {e.Message}");
        }
    }
}
