using System.Globalization;
using Vigil.Analysis.Insights;
using Vigil.Core.Labels;
using Vigil.Optimizer.Executors;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Parser;
using Vigil.PromQL.Templates;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The <c>optimization:</c> section's keys, declared onto the optimizer's options records
/// (<see cref="OptimizationConfig"/> and the records under it). Besides types and ranges it checks PromQL, templates,
/// executors given another kind's keys, policies naming missing executors and unreadable token files — each an error
/// naming file, line, column and the key's place (<c>optimization.policies[1].action.executor</c>).
/// </summary>
internal static class OptimizationSchema
{
    private const string Section = "optimization";

    private static readonly Dictionary<OptimizationExecutorKind, string[]> KindKeys = new()
    {
        [OptimizationExecutorKind.Webhook] = ["request", "capture", "rollback"],
        [OptimizationExecutorKind.Command] = ["command", "capture_command", "rollback_command", "env", "working_dir"],
        [OptimizationExecutorKind.Tunable] = ["url", "token_file", "tunable"],
        [OptimizationExecutorKind.Config] = ["setting"],
    };

    private static readonly ConfigValue<OptimizationMode> Mode = OneOf(
        ("off", OptimizationMode.Off), ("recommend", OptimizationMode.Recommend), ("approve", OptimizationMode.Approve), ("auto", OptimizationMode.Auto));

    private static readonly ConfigValue<OptimizationExecutorKind> ExecutorKind = OneOf(
        ("webhook", OptimizationExecutorKind.Webhook), ("command", OptimizationExecutorKind.Command),
        ("tunable", OptimizationExecutorKind.Tunable), ("config", OptimizationExecutorKind.Config));

    private static readonly ConfigValue<OptimizationActionType> ActionType = (ConfigReader r, ConfigEntry e, out OptimizationActionType value) =>
    {
        value = default;
        if (r.String(e) is not { } t)
        {
            return false;
        }
        if (Enum.TryParse(t, ignoreCase: false, out value) && !char.IsAsciiDigit(t[0]))
        {
            return true;
        }
        r.Invalid(e, $"expected one of {string.Join(", ", Enum.GetNames<OptimizationActionType>())}, got \"{t}\"");
        return false;
    };

    private static readonly ConfigValue<int> Integer = (ConfigReader r, ConfigEntry e, out int value) =>
    {
        value = 0;
        if (r.String(e) is not { } p)
        {
            return false;
        }
        if (int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        r.Invalid(e, $"expected an integer, got \"{p}\"");
        return false;
    };

    private static readonly ConfigValue<string> TokenFile = (ConfigReader r, ConfigEntry e, out string value) =>
    {
        value = null!;
        if (r.ExistingFile(e) is not { } path)
        {
            return false;
        }
        try
        {
            value = File.ReadAllText(path).Trim();
            if (value.Length == 0)
            {
                r.Invalid(e, $"the token file \"{path}\" is empty");
                return false;
            }
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            r.Invalid(e, $"cannot read \"{path}\": {ex.Message}");
            return false;
        }
    };

    private static readonly ConfigValue<MetricDirection> Better = OneOf(("lower", MetricDirection.Lower), ("higher", MetricDirection.Higher));

    private static readonly ConfigSchema<OptimizationMetricConfig> Metric = new ConfigSchema<OptimizationMetricConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("query", PromQLExpr, (o, v) => o with { Query = v })
        .Key("better", Better, (o, v) => o with { Better = v })
        .Key("tolerance", Number(0, 100), (o, v) => o with { Tolerance = v })
        .Finish(b =>
        {
            if (string.IsNullOrEmpty(b.Value.Name) || string.IsNullOrEmpty(b.Value.Query))
            {
                if (b.IsMapping)
                {
                    b.Error($"{b.Where} needs a name and a query");
                }
                return null;
            }
            return b.Value;
        });

    private static readonly ConfigValue<List<OptimizationMetricConfig>> Metrics = ListOf(Metric.Item(NewMetric));

    private static readonly ConfigSchema<OptimizationEvaluationConfig> Evaluation = new ConfigSchema<OptimizationEvaluationConfig>()
        .Key("baseline", PositiveDuration, (o, v) => o with { Baseline = v })
        .Key("settle", Duration, (o, v) => o with { Settle = v })
        .Key("observation", PositiveDuration, (o, v) => o with { Observation = v })
        .Key("step", PositiveDuration, (o, v) => o with { Step = v })
        .Key("lookback", PositiveDuration, (o, v) => o with { Lookback = v })
        .Key("confidence", Number(0.5, 0.9999), (o, v) => o with { Confidence = v })
        .Key("min_effect_size", Number(0, 1), (o, v) => o with { MinEffectSize = v })
        .Key("min_samples", IntAtLeast(2), (o, v) => o with { MinSamples = v })
        .Key("guardrails", Metrics, (o, v) => o with { Guardrails = v });

    private static readonly ConfigSchema<OptimizationMatchConfig> Match = new ConfigSchema<OptimizationMatchConfig>()
        .Custom("alert", AlertOrInsight)
        .Custom("insight", AlertOrInsight)
        .Custom("severity", (r, e, o) => o with { Severities = [.. o.Severities, .. e.Value is YamlScalarNode ? [r.String(e) ?? string.Empty] : r.StringList(e)] })
        .Custom("matchers", (r, e, o) => o with { Matchers = [.. o.Matchers, .. Matchers(r, e)] })
        .Finish(b =>
        {
            if (b.Value.Source.Length == 0 || b.Value.Type.Length == 0)
            {
                b.Error($"{b.Where} needs alert: NAME or insight: TYPE");
                return null;
            }
            return b.Value with { Severities = b.Value.Severities.Where(s => s.Length > 0).Select(s => s.ToLowerInvariant()).ToList() };
        });

    private static readonly ConfigSchema<OptimizationPolicyConfig> PolicyEvaluation = new ConfigSchema<OptimizationPolicyConfig>()
        .Key("target", Metric.Value(NewMetric), (o, v) => o with { Target = v })
        .Key("guardrails", Metrics, (o, v) => o with { Guardrails = [.. o.Guardrails, .. v] })
        .Key("baseline", PositiveDuration, (o, v) => o with { Baseline = v })
        .Key("settle", Duration, (o, v) => o with { Settle = v })
        .Key("observation", PositiveDuration, (o, v) => o with { Observation = v })
        .Key("impact_threshold", Number(0, 100), (o, v) => o with { ImpactThreshold = v });

    private static readonly ConfigSchema<OptimizationConstraintConfig> Constraint = new ConfigSchema<OptimizationConstraintConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("query", PromQLExpr, (o, v) => o with { Query = v })
        .Key("better", Better, (o, v) => o with { Better = v })
        .Key("limit", Number(double.MinValue, double.MaxValue), (o, v) => o with { Limit = v })
        .Finish(b =>
        {
            if (!b.IsMapping)
            {
                return null;
            }
            if (b.Value.Name.Length == 0 || b.Value.Query.Length == 0 || !b.Bound("limit"))
            {
                b.Error($"{b.Where} needs a name, a query and a limit");
                return null;
            }
            return b.Value;
        });

    /// <summary>The most values one lever's range may hold ((max − min) / step), so a search stays bounded.</summary>
    internal const double MaxLeverValues = 1_000_000;

    private static ConfigSchema<OptimizationLeverConfig> Lever(HashSet<string> executors) => new ConfigSchema<OptimizationLeverConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("executor", Text.Check(x => executors.Contains(x) ? null : $"no executor named \"{x}\" in {Section}.executors"), (o, v) => o with { Executor = v })
        .Key("target", Text, (o, v) => o with { Target = v })
        .Key("min", Number(-1e15, 1e15), (o, v) => o with { Min = v })
        .Key("max", Number(-1e15, 1e15), (o, v) => o with { Max = v })
        .Key("step", Number(1e-9, 1e15), (o, v) => o with { Step = v })
        .Key("logarithmic", Bool, (o, v) => o with { Logarithmic = v })
        .Key("cost_per_unit", Number(0, 1e15), (o, v) => o with { CostPerUnit = v })
        .Key("mode", OneOf(("recommend", OptimizationMode.Recommend), ("approve", OptimizationMode.Approve), ("auto", OptimizationMode.Auto)), (o, v) => o with { Mode = v })
        .Finish(b =>
        {
            if (!b.IsMapping)
            {
                return null;
            }
            var missing = new[] { "name", "executor", "target", "min", "max" }.Where(k => !b.Bound(k) && !b.Has(k)).ToList();
            if (missing.Count > 0)
            {
                b.Error($"{b.Where} needs {string.Join(", ", missing)}");
                return null;
            }
            var l = b.Value;
            if (!b.Bound("name") || !b.Bound("executor") || !b.Bound("target") || !b.Bound("min") || !b.Bound("max"))
            {
                return null;
            }
            if (l.Min > l.Max)
            {
                b.Error(string.Create(CultureInfo.InvariantCulture, $"{b.Where}: min {l.Min} is greater than max {l.Max}"));
                return null;
            }
            if ((l.Max - l.Min) / l.Step > MaxLeverValues)
            {
                b.Error(string.Create(CultureInfo.InvariantCulture, $"{b.Where}: [{l.Min}, {l.Max}] in steps of {l.Step} has more than {MaxLeverValues} values; use a larger step"));
                return null;
            }
            if (l.Logarithmic == true && l.Min <= 0)
            {
                b.Error($"{b.Where}: a logarithmic lever needs min greater than 0");
                return null;
            }
            return l;
        });

    private static ConfigSchema<OptimizationObjectiveConfig> Objective(HashSet<string> executors) => new ConfigSchema<OptimizationObjectiveConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("target", Metric.Value(NewMetric), (o, v) => o with { Target = v })
        .Key("threshold", Number(double.MinValue, double.MaxValue), (o, v) => o with { Threshold = v })
        .Key("constraints", ListOf(Constraint.Item(() => new() { Name = string.Empty, Query = string.Empty, Limit = 0 })), (o, v) => o with { Constraints = v })
        .Custom("levers", (r, e, o) =>
        {
            UniqueListOf(Lever(executors).Item(NewLever), l => l.Name, (n, _) => $"two levers are named \"{n}\" in {e.Path}")(r, e, out var list);
            foreach (var dup in list.GroupBy(l => l.Target, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                r.Invalid(e, $"levers {string.Join(" and ", dup.Select(l => l.Name))} both turn the target \"{dup.Key}\"");
                return null;
            }
            return o with { Levers = list };
        })
        .Key("impact_threshold", Number(0, 100), (o, v) => o with { ImpactThreshold = v })
        .Key("patience_trials", PositiveInt, (o, v) => o with { PatienceTrials = v })
        .Key("seed", Integer, (o, v) => o with { Seed = v })
        .Finish(b =>
        {
            if (!b.IsMapping)
            {
                return null;
            }
            var missing = new List<string>();
            if (b.Value.Name.Length == 0)
            {
                missing.Add("a name");
            }
            if (!b.Has("target"))
            {
                missing.Add("a target metric");
            }
            if (!b.Has("levers"))
            {
                missing.Add("levers");
            }
            if (missing.Count > 0)
            {
                b.Error($"{b.Where} needs {string.Join(", ", missing)}");
                return null;
            }
            if (!b.Bound("target") || !b.Bound("levers"))
            {
                return null;
            }
            if (b.Value.Levers.Count == 0)
            {
                b.Error($"{b.Where} needs at least one lever");
                return null;
            }
            return b.Value;
        });

    private static OptimizationLeverConfig NewLever() => new() { Name = string.Empty, Executor = string.Empty, Target = string.Empty };

    private static OptimizationObjectiveConfig NewObjective() => new() { Name = string.Empty, Target = NewMetric() };

    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<OptimizationConfig> Root = new ConfigSchema<OptimizationConfig>()
        .Key("mode", Mode, (o, v) => o with { Mode = v })
        .Key("interval", PositiveDuration, (o, v) => o with { Interval = v })
        .Key("max_concurrent_optimizations", PositiveInt, (o, v) => o with { MaxConcurrentOptimizations = v })
        .Key("optimization_timeout", SecondsOrDuration, (o, v) => o with { OptimizationTimeout = v })
        .Key("impact_threshold", Number(0, 100), (o, v) => o with { ImpactThreshold = v })
        .Key("cooldown", Duration, (o, v) => o with { Cooldown = v })
        .Key("rollback_backoff", Duration, (o, v) => o with { RollbackBackoff = v })
        .Key("max_actions_per_hour", PositiveInt, (o, v) => o with { MaxActionsPerHour = v })
        .Key("pending_ttl", PositiveDuration, (o, v) => o with { PendingTtl = v })
        .Key("history_limit", PositiveInt, (o, v) => o with { HistoryLimit = v })
        .Key("api_token_file", TokenFile, (o, v) => o with { ApiToken = v })
        .Key("evaluation", Evaluation.Value(() => new()), (o, v) => o with { Evaluation = v })
        .Key("allowed_commands", AllowList("an absolute program path", ExecutorAllowList.CheckCommandPattern), (o, v) => o with { AllowedCommands = v })
        .Key("allowed_webhook_hosts", AllowList("a host name, address or host:port", HostProblem), (o, v) => o with { AllowedWebhookHosts = v })
        // Note: executors come after the allow-lists and policies after executors whatever the order of the keys.
        .Custom("executors", (r, e, o) =>
        {
            var allow = new ExecutorAllowList(o.AllowedCommands, o.AllowedWebhookHosts);
            UniqueListOf(Executor(allow), x => x.Name, (n, _) => $"two executors are named \"{n}\" in {Section}.executors")(r, e, out var list);
            return o with { Executors = list };
        }, late: true)
        .Custom("policies", (r, e, o) =>
        {
            var executors = o.Executors.Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
            UniqueListOf(Policy(executors).Item(NewPolicy), p => p.Name, (n, _) => $"two policies are named \"{n}\" in {Section}.policies")(r, e, out var list);
            return o with { Policies = list };
        }, late: true)
        .Custom("objectives", (r, e, o) =>
        {
            var executors = o.Executors.Select(x => x.Name).ToHashSet(StringComparer.Ordinal);
            UniqueListOf(Objective(executors).Item(NewObjective), x => x.Name, (n, _) => $"two objectives are named \"{n}\" in {Section}.objectives")(r, e, out var list);
            return o with { Objectives = list };
        }, late: true);

    /// <summary>Reads the section; problems are recorded in <paramref name="r"/> and the defaults stand in for bad values.</summary>
    public static OptimizationConfig Parse(ConfigReader r, ConfigEntry section) => Root.Bind(r, section.Value, Section, new OptimizationConfig())!;

    private static OptimizationMetricConfig NewMetric() => new() { Name = string.Empty, Query = string.Empty };

    private static OptimizationPolicyConfig NewPolicy() => new()
    {
        Name = string.Empty,
        Match = new() { Source = string.Empty, Type = string.Empty },
        Action = new() { Type = default, Executor = string.Empty },
        Target = NewMetric(),
    };

    private static ConfigSchema<OptimizationPolicyConfig> Policy(HashSet<string> executors) => new ConfigSchema<OptimizationPolicyConfig>()
        .Key("name", Text, (o, v) => o with { Name = v })
        .Key("match", Match.Value(() => new() { Source = string.Empty, Type = string.Empty }), (o, v) => o with { Match = v })
        .Custom("action", (r, e, o) => Action(executors, o.Name.Length > 0 ? o.Name : e.Where).Bind(r, e, new() { Type = default, Executor = string.Empty }) is { } a
            ? o with { Action = a }
            : null)
        .Group("evaluation", PolicyEvaluation)
        .Key("cooldown", Duration, (o, v) => o with { Cooldown = v })
        .Key("mode", Mode, (o, v) => o with { Mode = v })
        .Finish(b =>
        {
            if (!b.IsMapping)
            {
                return null;
            }
            var missing = new List<string>();
            if (b.Value.Name.Length == 0)
            {
                missing.Add("a name");
            }
            if (!b.Bound("match"))
            {
                missing.Add("match");
            }
            if (!b.Bound("action"))
            {
                missing.Add("action");
            }
            if (!b.Bound("evaluation.target"))
            {
                missing.Add(b.Has("evaluation") ? "evaluation.target" : "evaluation with a target metric");
            }
            if (missing.Count > 0)
            {
                b.Error($"{b.Where} needs {string.Join(", ", missing)}");
                return null;
            }
            return b.Value;
        });

    private static ConfigSchema<OptimizationActionConfig> Action(HashSet<string> executors, string policy) => new ConfigSchema<OptimizationActionConfig>()
        .Key("type", ActionType, (o, v) => o with { Type = v })
        .Key("executor", Text.Check(x => executors.Contains(x) ? null : $"no executor named \"{x}\" in {Section}.executors"), (o, v) => o with { Executor = v })
        .Key("target", TemplateText($"policy {policy}.target"), (o, v) => o with { Target = v })
        .Custom("parameters", (r, e, o) => o with { Parameters = TemplateMap(r, e, $"policy {policy}.parameters.", StringComparer.Ordinal) })
        .Key("priority", Integer, (o, v) => o with { Priority = v })
        .Key("estimated_impact", Number(-100, 100), (o, v) => o with { EstimatedImpact = v })
        .Key("timeout", PositiveDuration, (o, v) => o with { Timeout = v })
        .Key("description", TemplateText($"policy {policy}.description"), (o, v) => o with { Description = v })
        .Finish(b =>
        {
            if (!b.Bound("type") || !b.Bound("executor"))
            {
                b.Error($"{b.Where} needs a type and an executor");
                return null;
            }
            return b.Value;
        });

    /// <summary>An executor: its <c>name</c> and <c>type</c> first, then the keys of that type (another type's keys are errors).</summary>
    private static ConfigItem<OptimizationExecutorConfig> Executor(ExecutorAllowList allow) =>
        (ConfigReader r, YamlNode node, string where, out OptimizationExecutorConfig value) =>
        {
            value = null!;
            var entries = r.Mapping(node, where);
            string? name = null;
            OptimizationExecutorKind? kind = null;
            foreach (var e in entries)
            {
                if (e.Key == "name")
                {
                    name = r.String(e);
                }
                else if (e.Key == "type" && ExecutorKind(r, e, out var k))
                {
                    kind = k;
                }
            }
            if (string.IsNullOrEmpty(name) || kind is not { } type)
            {
                if (node is YamlMappingNode)
                {
                    r.Error(node, $"{where} needs a name and a type (webhook, command, tunable or config)");
                }
                return false;
            }
            value = ExecutorOfKind(type, allow).Bind(r, node, where, entries, new OptimizationExecutorConfig { Name = name, Type = type })!;
            return value is not null;
        };

    private static ConfigSchema<OptimizationExecutorConfig> ExecutorOfKind(OptimizationExecutorKind kind, ExecutorAllowList allow)
    {
        string kindName = kind.ToString().ToLowerInvariant();
        var schema = new ConfigSchema<OptimizationExecutorConfig>()
            .Ignore("name", "type")
            .Key("timeout", PositiveDuration, (o, v) => o with { Timeout = v })
            .Reject(KindKeys.Where(k => k.Key != kind).SelectMany(k => k.Value), e => $"key \"{e.Key}\" in {e.Where} is not used by a {kindName} executor");
        string? missing(OptimizationExecutorConfig o) => kind switch
        {
            OptimizationExecutorKind.Webhook when o.Request is null || o.Rollback is null => "a request and a rollback request",
            OptimizationExecutorKind.Command when o.Command.Count == 0 || o.RollbackCommand.Count == 0 => "command and rollback_command",
            OptimizationExecutorKind.Tunable when o.Url is null => "a url",
            OptimizationExecutorKind.Config when o.Setting is null => "a setting",
            _ => null,
        };
        switch (kind)
        {
            case OptimizationExecutorKind.Webhook:
                schema
                    .Custom("request", (r, e, o) => Request(o.Name + ".request", allow).Bind(r, e, NewRequest()) is { } q ? o with { Request = q } : null)
                    .Custom("capture", (r, e, o) => Request(o.Name + ".capture", allow).Bind(r, e, NewRequest()) is { } q ? o with { Capture = q } : null)
                    .Custom("rollback", (r, e, o) => Request(o.Name + ".rollback", allow).Bind(r, e, NewRequest()) is { } q ? o with { Rollback = q } : null);
                break;
            case OptimizationExecutorKind.Command:
                schema
                    .Custom("command", (r, e, o) => o with { Command = Argv(r, e, o.Name + ".command", allow) })
                    .Custom("capture_command", (r, e, o) => o with { CaptureCommand = Argv(r, e, o.Name + ".capture_command", allow) })
                    .Custom("rollback_command", (r, e, o) => o with { RollbackCommand = Argv(r, e, o.Name + ".rollback_command", allow) })
                    .Custom("env", (r, e, o) => o with { Environment = TemplateMap(r, e, o.Name + ".env.", StringComparer.Ordinal) })
                    .Custom("working_dir", (r, e, o) => o with { WorkingDirectory = r.String(e) is { Length: > 0 } wd ? r.ResolvePath(wd) : null });
                break;
            case OptimizationExecutorKind.Tunable:
                schema
                    .Key("url", Text.Check(url => TunableUrlProblem(url, allow)), (o, v) => o with { Url = v })
                    .Key("token_file", TokenFile, (o, v) => o with { Token = v })
                    .Key("tunable", Text, (o, v) => o with { Tunable = v });
                break;
            default:
                schema.Key("setting", Text.Check(SettingProblem), (o, v) => o with { Setting = v });
                break;
        }
        return schema.Finish(b =>
        {
            if (missing(b.Value) is { } what)
            {
                b.Error($"executor {b.Value.Name} in {b.Where}: a {kindName} executor needs {what}");
                return null;
            }
            return b.Value;
        });
    }

    private static string? TunableUrlProblem(string url, ExecutorAllowList allow)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
        {
            return $"\"{url}\" is not an absolute http or https URL";
        }
        return allow.CheckUrl(u);
    }

    private static string? SettingProblem(string setting) => VigilServer.LiveSettingNames.Contains(setting, StringComparer.Ordinal)
        ? null
        : $"unknown live setting \"{setting}\" (known: {string.Join(", ", VigilServer.LiveSettingNames)})";

    private static WebhookRequestConfig NewRequest() => new() { Url = string.Empty, Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) };

    private static ConfigSchema<WebhookRequestConfig> Request(string templateName, ExecutorAllowList allow) => new ConfigSchema<WebhookRequestConfig>()
        .Key("url", TemplateText(templateName + ".url").Check(url => WebhookExecutor.CheckUrlTemplate(url, allow)), (o, v) => o with { Url = v })
        .Key("method", Text.Where(m => m.ToUpperInvariant() is "GET" or "POST" or "PUT" or "PATCH" or "DELETE",
            m => $"expected GET, POST, PUT, PATCH or DELETE, got \"{m.ToUpperInvariant()}\""), (o, v) => o with { Method = v.ToUpperInvariant() })
        .Custom("headers", (r, e, o) => o with { Headers = TemplateMap(r, e, templateName + ".headers.", StringComparer.OrdinalIgnoreCase) })
        .Key("body", TemplateText(templateName + ".body"), (o, v) => o with { Body = v })
        .Key("content_type", Text.Check(t => System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(t, out _) ? null : $"\"{t}\" is not a media type"),
            (o, v) => o with { ContentType = v })
        .Finish(b =>
        {
            if (string.IsNullOrEmpty(b.Value.Url))
            {
                b.Error($"{b.Where} needs a url");
                return null;
            }
            return b.Value;
        });

    private static OptimizationMatchConfig? AlertOrInsight(ConfigReader r, ConfigEntry e, OptimizationMatchConfig o)
    {
        if (o.Source.Length > 0)
        {
            r.Error(e.KeyNode, $"{e.Where} has both alert and insight; a policy matches one kind of signal");
            return null;
        }
        return o with { Source = e.Key, Type = r.String(e) ?? string.Empty };
    }

    private static List<LabelMatcher> Matchers(ConfigReader r, ConfigEntry e)
    {
        var matchers = new List<LabelMatcher>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (r.ScalarItem(node, where, "a label matcher such as service=\"checkout\"") is not { } text)
            {
                continue;
            }
            try
            {
                matchers.AddRange(PromQLParser.ParseMetricSelector("{" + text + "}"));
            }
            catch (PromQLParseException ex)
            {
                r.Error(node, $"invalid matcher \"{text}\" in {where}: {ex.Message}");
            }
        }
        return matchers;
    }

    private static ConfigValue<List<string>> AllowList(string what, Func<string, string?> problem) => (ConfigReader r, ConfigEntry e, out List<string> value) =>
    {
        value = new List<string>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (r.ScalarItem(node, where, what) is not { } s)
            {
                continue;
            }
            if (problem(s) is { } p)
            {
                r.Invalid(e, node, p);
                continue;
            }
            value.Add(s);
        }
        return true;
    };

    private static string? HostProblem(string host) => ExecutorAllowList.TryParseHost(host, out _, out _, out string problem) ? null : problem;

    /// <summary>A string that must parse as a Go template named <paramref name="name"/>.</summary>
    private static ConfigValue<string> TemplateText(string name) => Text.Check(text => TemplateProblem(name, text));

    /// <summary>A string map whose values must each parse as a template (<paramref name="prefix"/> + key); bad ones are left out.</summary>
    private static Dictionary<string, string> TemplateMap(ConfigReader r, ConfigEntry e, string prefix, StringComparer comparer)
    {
        var map = new Dictionary<string, string>(comparer);
        foreach (var (k, v, item) in r.StringMap(e))
        {
            if (Template(r, item, item.Value, prefix + k, v))
            {
                map[k] = v;
            }
        }
        return map;
    }

    private static List<string> Argv(ConfigReader r, ConfigEntry e, string templateName, ExecutorAllowList allow)
    {
        var argv = new List<string>();
        var nodes = new List<YamlNode>();
        int i = 0;
        foreach (var (node, where) in r.Sequence(e))
        {
            if (r.ScalarItem(node, where, "a string") is { } s && Template(r, e, node, templateName + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", s))
            {
                argv.Add(s);
                nodes.Add(node);
            }
            i++;
        }
        if (argv.Count == 0)
        {
            return argv;
        }
        if (ShellScriptCheck.Find(argv) is var (at, why))
        {
            r.Invalid(e, nodes[at], CommandExecutor.ShellTemplateAdvice(at, why));
            return [];
        }
        if (!Path.IsPathRooted(argv[0]))
        {
            // Note: without a shell there is no PATH guessing worth trusting for an action; name the program exactly.
            r.Invalid(e, $"the program \"{argv[0]}\" must be an absolute path");
        }
        else if (allow.CheckCommand(argv[0]) is { } denied)
        {
            r.Invalid(e, nodes[0], denied);
        }
        return argv;
    }

    /// <summary>Checks that <paramref name="text"/> parses as a template; records the error at <paramref name="at"/> otherwise.</summary>
    private static bool Template(ConfigReader r, ConfigEntry e, YamlNode at, string name, string text)
    {
        if (TemplateProblem(name, text) is { } problem)
        {
            r.Invalid(e, at, problem);
            return false;
        }
        return true;
    }

    private static string? TemplateProblem(string name, string text)
    {
        try
        {
            GoTemplate.Parse(name, text);
            return null;
        }
        catch (TemplateException ex)
        {
            return ex.Message;
        }
    }
}
