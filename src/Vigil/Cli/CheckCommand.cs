using System.CommandLine;
using System.Globalization;
using System.Text;
using Vigil.Core.Config;
using Vigil.Core.Model;
using Vigil.Server.Config;
using Vigil.Rules;

namespace Vigil.Cli;

/// <summary><c>vigil check config FILE</c>: loads a <c>vigil.yaml</c> strictly and prints its errors, or OK with a summary.</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, params Command[] more)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The configuration file to check (vigil.yaml)." };
        var printRules = new Option<bool>("--print-rules")
        {
            Description = "Instead of the summary, print the rule file compiled from the seed's performance_collection.alert_thresholds and aggregation_rules (Prometheus's format).",
        };
        var config = new Command("config", "Check a configuration file: print every error as file:line:col, or OK and a summary. Exit code 1 on errors.") { file, printRules };
        config.SetAction(async (result, ct) =>
        {
            string path = result.GetValue(file)!.ToString();
            VigilConfig loaded;
            try
            {
                loaded = VigilConfig.Load(path);
            }
            catch (ConfigException e)
            {
                foreach (var error in e.Errors)
                {
                    await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }
                await stderr.WriteLineAsync($"FAILED: {path}: {Count(e.Errors.Count, "error")}").ConfigureAwait(false);
                return 1;
            }
            var sdErrors = loaded.CheckDiscoveryFiles(out int sdFiles, out int sdTargets);
            if (sdErrors.Count > 0)
            {
                foreach (var error in sdErrors)
                {
                    await stderr.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }
                await stderr.WriteLineAsync($"FAILED: {path}: {Count(sdErrors.Count, "error")} in file_sd files").ConfigureAwait(false);
                return 1;
            }
            if (result.GetValue(printRules))
            {
                await stdout.WriteAsync(RuleFilePrinter.Print(loaded.SeedRuleGroups)).ConfigureAwait(false);
                return 0;
            }
            await stdout.WriteAsync(Summary(path, loaded, sdFiles, sdTargets)).ConfigureAwait(false);
            return 0;
        });
        var check = new Command("check", "Check configuration and rule files without starting anything.") { config };
        foreach (var c in more)
        {
            check.Add(c);
        }
        return check;
    }

    /// <summary>What a valid file configures, in a few lines.</summary>
    internal static string Summary(string path, VigilConfig c, int sdFiles, int sdTargets)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"OK: {path}\n");
        var g = c.Global;
        sb.Append(inv, $"  global: scrape_interval {PrometheusDuration.Format(g.ScrapeInterval)}, scrape_timeout {PrometheusDuration.Format(g.ScrapeTimeout)}, evaluation_interval {PrometheusDuration.Format(g.EvaluationInterval)}, {Count(g.ExternalLabels.Count, "external label")}\n");
        sb.Append(inv, $"  scrape_configs: {Count(c.ScrapeConfigs.Count, "job")}");
        if (c.ScrapeConfigs.Count > 0)
        {
            sb.Append(": ").AppendJoin(", ", c.ScrapeConfigs.Select(j =>
            {
                int statics = j.StaticConfigs.Sum(s => s.Targets.Count);
                var parts = new List<string>();
                if (statics > 0 || j.FileSdConfigs.Count == 0)
                {
                    parts.Add(Count(statics, "static target"));
                }
                if (j.FileSdConfigs.Count > 0)
                {
                    parts.Add(Count(j.FileSdConfigs.Sum(f => f.Files.Count), "file_sd pattern"));
                }
                return string.Create(inv, $"{j.JobName} ({string.Join(", ", parts)}, every {PrometheusDuration.Format(j.ScrapeInterval)})");
            }));
        }
        sb.Append('\n');
        if (sdFiles > 0)
        {
            sb.Append(inv, $"  file_sd: {Count(sdFiles, "file")} with {Count(sdTargets, "target")}\n");
        }
        var collectors = new List<string>();
        if (c.Collectors.Host)
        {
            collectors.Add("host");
        }
        if (c.Collectors.Self)
        {
            collectors.Add("self");
        }
        sb.Append(inv, $"  collectors: {(collectors.Count == 0 ? "none" : string.Join(", ", collectors))} every {PrometheusDuration.Format(c.Collectors.Interval)}\n");
        var s = c.Storage;
        if (s.DataDir is not null || s.RetentionTime is not null || s.RetentionSize is not null || s.WalSyncEveryCommit is not null || s.MaxFutureTimestamp is not null)
        {
            var parts = new List<string>();
            if (s.DataDir is not null)
            {
                parts.Add("data_dir " + s.DataDir);
            }
            if (s.RetentionTime is { } rt)
            {
                parts.Add("retention_time " + PrometheusDuration.Format(rt));
            }
            if (s.RetentionSize is { } rs)
            {
                parts.Add("retention_size " + rs.ToString(inv) + " bytes");
            }
            if (s.WalSyncEveryCommit is { } sync)
            {
                parts.Add("wal_sync " + (sync ? "commit" : "interval"));
            }
            if (s.MaxFutureTimestamp is { } future)
            {
                parts.Add("max_future_timestamp " + PrometheusDuration.Format(future));
            }
            sb.Append("  storage: ").AppendJoin(", ", parts).Append('\n');
        }
        if (c.RuleFiles.Count > 0)
        {
            sb.Append(inv, $"  rule_files: {Count(c.RuleFiles.Count, "pattern")}\n");
        }
        if (c.Optimization is { } o)
        {
            sb.Append(inv, $"  optimization: mode {o.Mode.ToString().ToLowerInvariant()}, {Count(o.Executors.Count, "executor")}, {(o.Policies.Count == 1 ? "1 policy" : o.Policies.Count.ToString(inv) + " policies")}, {Count(o.Objectives.Count, "objective")}{(o.Objectives.Count == 0 ? string.Empty : " (" + string.Join(", ", o.Objectives.Select(x => $"{x.Name}: {Count(x.Levers.Count, "lever")}")) + ")")}\n");
        }
        if (c.Alerting is { } alerting)
        {
            sb.Append(inv, $"  alerting: {Count(alerting.Alertmanagers.Count, "Alertmanager")}, {Count(alerting.Webhooks.Count, "webhook")}\n");
        }
        if (c.SeedRuleGroups.Count > 0)
        {
            var seedRules = c.SeedRuleGroups.SelectMany(g => g.Rules).ToList();
            int alerts = seedRules.Count(r => r.Alert is not null);
            sb.Append(inv, $"  seed rules: {Count(alerts, "alerting rule")} from alert_thresholds, {Count(seedRules.Count - alerts, "recording rule")} from aggregation_rules (--print-rules shows them)\n");
        }
        if (c.Analysis is { } a)
        {
            sb.Append(inv, $"  analysis: {(a.Enabled ? "on" : "off")}, detector {a.Detector}, every {PrometheusDuration.Format(a.EvaluationInterval)}, {Count(a.Selectors.Count, "selector")}{(a.BuiltinSeries ? " plus the built-in series" : string.Empty)}, insights {(a.Insights.Enabled ? "every " + PrometheusDuration.Format(a.Insights.Interval) : "off")}\n");
        }
        return sb.ToString();
    }

    private static string Count(int n, string what) => string.Create(CultureInfo.InvariantCulture, $"{n} {what}{(n == 1 ? string.Empty : "s")}");
}
