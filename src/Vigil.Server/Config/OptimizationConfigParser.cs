using System.Globalization;
using Vigil.Analysis.Insights;
using Vigil.Core.Labels;
using Vigil.Optimizer.Model;
using Vigil.Optimizer.Options;
using Vigil.PromQL.Parser;
using Vigil.PromQL.Templates;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Config;

/// <summary>
/// Reads the <c>optimization:</c> section strictly: unknown keys, wrong types, bad durations, PromQL or templates,
/// executors of another kind's keys, policies naming missing executors, unreadable token files — each an error naming
/// file, line, column and the key's place (<c>optimization.policies[1].action.executor</c>).
/// </summary>
internal static class OptimizationConfigParser
{
    private const string Section = "optimization";

    private static readonly string[] WebhookKeys = ["request", "capture", "rollback"];
    private static readonly string[] CommandKeys = ["command", "capture_command", "rollback_command", "env", "working_dir"];
    private static readonly string[] TunableKeys = ["url", "token_file", "tunable"];
    private static readonly string[] ConfigKeys = ["setting"];

    /// <summary>Parses the section; problems are recorded in <paramref name="r"/> and the defaults stand in for bad values.</summary>
    public static OptimizationConfig Parse(ConfigReader r, ConfigEntry section)
    {
        var d = new OptimizationConfig();
        var mode = d.Mode;
        var interval = d.Interval;
        int maxConcurrent = d.MaxConcurrentOptimizations, perHour = d.MaxActionsPerHour, historyLimit = d.HistoryLimit;
        var timeout = d.OptimizationTimeout;
        double impact = d.ImpactThreshold;
        var cooldown = d.Cooldown;
        var backoff = d.RollbackBackoff;
        var pendingTtl = d.PendingTtl;
        string? token = null;
        var evaluation = d.Evaluation;
        var executors = new List<OptimizationExecutorConfig>();
        var executorNames = new HashSet<string>(StringComparer.Ordinal);
        ConfigEntry? policiesEntry = null, executorsEntry = null;
        List<string> allowedCommands = [], allowedHosts = [];
        foreach (var e in r.Mapping(section.Value, Section))
        {
            switch (e.Key)
            {
                case "mode":
                    mode = Mode(r, e) ?? mode;
                    break;
                case "interval":
                    interval = GlobalConfig.PositiveDuration(r, e) ?? interval;
                    break;
                case "max_concurrent_optimizations":
                    maxConcurrent = PositiveInt(r, e) ?? maxConcurrent;
                    break;
                case "optimization_timeout":
                    timeout = SecondsOrDuration(r, e) ?? timeout;
                    break;
                case "impact_threshold":
                    impact = Number(r, e, 0, 100) ?? impact;
                    break;
                case "cooldown":
                    cooldown = r.Duration(e) ?? cooldown;
                    break;
                case "rollback_backoff":
                    backoff = r.Duration(e) ?? backoff;
                    break;
                case "max_actions_per_hour":
                    perHour = PositiveInt(r, e) ?? perHour;
                    break;
                case "pending_ttl":
                    pendingTtl = GlobalConfig.PositiveDuration(r, e) ?? pendingTtl;
                    break;
                case "history_limit":
                    historyLimit = PositiveInt(r, e) ?? historyLimit;
                    break;
                case "api_token_file":
                    token = TokenFile(r, e) ?? token;
                    break;
                case "evaluation":
                    evaluation = Evaluation(r, e);
                    break;
                case "executors":
                    executorsEntry = e;
                    break;
                case "allowed_commands":
                    allowedCommands = AllowedCommands(r, e);
                    break;
                case "allowed_webhook_hosts":
                    allowedHosts = AllowedHosts(r, e);
                    break;
                case "policies":
                    policiesEntry = e;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        // Note: executors are read after the loop so the allow-lists apply whatever the order of the keys.
        var allow = new Optimizer.Executors.ExecutorAllowList(allowedCommands, allowedHosts);
        if (executorsEntry is { } ee)
        {
            foreach (var (node, where) in r.Sequence(ee))
            {
                if (Executor(r, node, where, allow) is { } ex)
                {
                    if (executorNames.Add(ex.Name))
                    {
                        executors.Add(ex);
                    }
                    else
                    {
                        r.Error(node, $"two executors are named \"{ex.Name}\" in {Section}.executors");
                    }
                }
            }
        }
        // Note: policies are read after the loop so they can refer to executors whatever the order of the keys.
        var policies = new List<OptimizationPolicyConfig>();
        if (policiesEntry is { } pe)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (node, where) in r.Sequence(pe))
            {
                if (Policy(r, node, where, executorNames) is { } p)
                {
                    if (names.Add(p.Name))
                    {
                        policies.Add(p);
                    }
                    else
                    {
                        r.Error(node, $"two policies are named \"{p.Name}\" in {Section}.policies");
                    }
                }
            }
        }
        return new OptimizationConfig
        {
            Mode = mode,
            Interval = interval,
            MaxConcurrentOptimizations = maxConcurrent,
            OptimizationTimeout = timeout,
            ImpactThreshold = impact,
            Cooldown = cooldown,
            RollbackBackoff = backoff,
            MaxActionsPerHour = perHour,
            PendingTtl = pendingTtl,
            HistoryLimit = historyLimit,
            ApiToken = token,
            AllowedCommands = allowedCommands,
            AllowedWebhookHosts = allowedHosts,
            Evaluation = evaluation,
            Executors = executors,
            Policies = policies,
        };
    }

    private static OptimizationEvaluationConfig Evaluation(ConfigReader r, ConfigEntry section)
    {
        var d = new OptimizationEvaluationConfig();
        var baseline = d.Baseline;
        var settle = d.Settle;
        var observation = d.Observation;
        var step = d.Step;
        TimeSpan? lookback = null;
        double confidence = d.Confidence, effect = d.MinEffectSize;
        int minSamples = d.MinSamples;
        var guardrails = new List<OptimizationMetricConfig>();
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "baseline":
                    baseline = GlobalConfig.PositiveDuration(r, e) ?? baseline;
                    break;
                case "settle":
                    settle = r.Duration(e) ?? settle;
                    break;
                case "observation":
                    observation = GlobalConfig.PositiveDuration(r, e) ?? observation;
                    break;
                case "step":
                    step = GlobalConfig.PositiveDuration(r, e) ?? step;
                    break;
                case "lookback":
                    lookback = GlobalConfig.PositiveDuration(r, e);
                    break;
                case "confidence":
                    confidence = Number(r, e, 0.5, 0.9999) ?? confidence;
                    break;
                case "min_effect_size":
                    effect = Number(r, e, 0, 1) ?? effect;
                    break;
                case "min_samples":
                    if (PositiveInt(r, e) is { } n)
                    {
                        if (n < 2)
                        {
                            r.Invalid(e, "must be at least 2");
                        }
                        else
                        {
                            minSamples = n;
                        }
                    }
                    break;
                case "guardrails":
                    guardrails.AddRange(Metrics(r, e));
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new OptimizationEvaluationConfig
        {
            Baseline = baseline,
            Settle = settle,
            Observation = observation,
            Step = step,
            Lookback = lookback,
            Confidence = confidence,
            MinEffectSize = effect,
            MinSamples = minSamples,
            Guardrails = guardrails,
        };
    }

    private static List<OptimizationMetricConfig> Metrics(ConfigReader r, ConfigEntry e)
    {
        var list = new List<OptimizationMetricConfig>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (Metric(r, node, where) is { } m)
            {
                list.Add(m);
            }
        }
        return list;
    }

    private static OptimizationMetricConfig? Metric(ConfigReader r, YamlNode node, string where)
    {
        string? name = null, query = null;
        var better = MetricDirection.Lower;
        double tolerance = 0;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "name":
                    name = r.String(e);
                    break;
                case "query":
                    query = r.String(e);
                    if (query is not null)
                    {
                        try
                        {
                            PromQLParser.ParseExpr(query);
                        }
                        catch (PromQLParseException ex)
                        {
                            r.Invalid(e, ex.Message);
                            query = null;
                        }
                    }
                    break;
                case "better":
                    switch (r.String(e))
                    {
                        case "lower":
                            better = MetricDirection.Lower;
                            break;
                        case "higher":
                            better = MetricDirection.Higher;
                            break;
                        case { } other:
                            r.Invalid(e, $"expected lower or higher, got \"{other}\"");
                            break;
                    }
                    break;
                case "tolerance":
                    tolerance = Number(r, e, 0, 100) ?? tolerance;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(query))
        {
            if (node is YamlMappingNode)
            {
                r.Error(node, $"{where} needs a name and a query");
            }
            return null;
        }
        return new OptimizationMetricConfig { Name = name, Query = query, Better = better, Tolerance = tolerance };
    }

    private static OptimizationExecutorConfig? Executor(ConfigReader r, YamlNode node, string where, Optimizer.Executors.ExecutorAllowList allow)
    {
        var entries = r.Mapping(node, where);
        string? name = null;
        OptimizationExecutorKind? kind = null;
        foreach (var e in entries)
        {
            if (e.Key == "name")
            {
                name = r.String(e);
            }
            else if (e.Key == "type")
            {
                switch (r.String(e))
                {
                    case "webhook":
                        kind = OptimizationExecutorKind.Webhook;
                        break;
                    case "command":
                        kind = OptimizationExecutorKind.Command;
                        break;
                    case "tunable":
                        kind = OptimizationExecutorKind.Tunable;
                        break;
                    case "config":
                        kind = OptimizationExecutorKind.Config;
                        break;
                    case { } other:
                        r.Invalid(e, $"expected webhook, command, tunable or config, got \"{other}\"");
                        break;
                }
            }
        }
        if (string.IsNullOrEmpty(name) || kind is null)
        {
            if (node is YamlMappingNode)
            {
                r.Error(node, $"{where} needs a name and a type (webhook, command, tunable or config)");
            }
            return null;
        }
        string kindName = kind.Value.ToString().ToLowerInvariant();
        string[] own = kind switch
        {
            OptimizationExecutorKind.Webhook => WebhookKeys,
            OptimizationExecutorKind.Command => CommandKeys,
            OptimizationExecutorKind.Tunable => TunableKeys,
            _ => ConfigKeys,
        };
        TimeSpan? timeout = null;
        WebhookRequestConfig? request = null, capture = null, rollback = null;
        List<string> command = [], captureCommand = [], rollbackCommand = [];
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        string? workingDir = null, url = null, token = null, tunable = null, setting = null;
        string label = $"executor {name}";
        foreach (var e in entries)
        {
            if (e.Key is "name" or "type")
            {
                continue;
            }
            if (e.Key != "timeout" && !own.Contains(e.Key) && (WebhookKeys.Contains(e.Key) || CommandKeys.Contains(e.Key) || TunableKeys.Contains(e.Key) || ConfigKeys.Contains(e.Key)))
            {
                r.Error(e.KeyNode, $"key \"{e.Key}\" in {where} is not used by a {kindName} executor");
                continue;
            }
            switch (e.Key)
            {
                case "timeout":
                    timeout = GlobalConfig.PositiveDuration(r, e);
                    break;
                case "request":
                    request = Request(r, e, $"{name}.request", allow);
                    break;
                case "capture":
                    capture = Request(r, e, $"{name}.capture", allow);
                    break;
                case "rollback":
                    rollback = Request(r, e, $"{name}.rollback", allow);
                    break;
                case "command":
                    command = Argv(r, e, $"{name}.command", allow);
                    break;
                case "capture_command":
                    captureCommand = Argv(r, e, $"{name}.capture_command", allow);
                    break;
                case "rollback_command":
                    rollbackCommand = Argv(r, e, $"{name}.rollback_command", allow);
                    break;
                case "env":
                    foreach (var (k, v, item) in r.StringMap(e))
                    {
                        if (Template(r, item, item.Value, $"{name}.env.{k}", v))
                        {
                            env[k] = v;
                        }
                    }
                    break;
                case "working_dir":
                    workingDir = r.String(e) is { Length: > 0 } wd ? r.ResolvePath(wd) : null;
                    break;
                case "url":
                    url = r.String(e);
                    if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps)))
                    {
                        r.Invalid(e, $"\"{url}\" is not an absolute http or https URL");
                        url = null;
                    }
                    else if (url is not null && allow.CheckUrl(new Uri(url)) is { } denied)
                    {
                        r.Invalid(e, denied);
                        url = null;
                    }
                    break;
                case "token_file":
                    token = TokenFile(r, e);
                    break;
                case "tunable":
                    tunable = r.String(e);
                    break;
                case "setting":
                    setting = r.String(e);
                    if (setting is not null && !VigilServer.LiveSettingNames.Contains(setting, StringComparer.Ordinal))
                    {
                        r.Invalid(e, $"unknown live setting \"{setting}\" (known: {string.Join(", ", VigilServer.LiveSettingNames)})");
                        setting = null;
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        string? missing = kind switch
        {
            OptimizationExecutorKind.Webhook when request is null || rollback is null => "a request and a rollback request",
            OptimizationExecutorKind.Command when command.Count == 0 || rollbackCommand.Count == 0 => "command and rollback_command",
            OptimizationExecutorKind.Tunable when url is null => "a url",
            OptimizationExecutorKind.Config when setting is null => "a setting",
            _ => null,
        };
        if (missing is not null)
        {
            r.Error(node, $"{label} in {where}: a {kindName} executor needs {missing}");
            return null;
        }
        return new OptimizationExecutorConfig
        {
            Name = name,
            Type = kind.Value,
            Timeout = timeout,
            Request = request,
            Capture = capture,
            Rollback = rollback,
            Command = command,
            CaptureCommand = captureCommand,
            RollbackCommand = rollbackCommand,
            Environment = env,
            WorkingDirectory = workingDir,
            Url = url,
            Token = token,
            Tunable = tunable,
            Setting = setting,
        };
    }

    private static WebhookRequestConfig? Request(ConfigReader r, ConfigEntry section, string templateName, Optimizer.Executors.ExecutorAllowList allow)
    {
        string? url = null, body = null, method = null, contentType = null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "url":
                    url = r.String(e);
                    if (url is not null && !Template(r, e, e.Value, templateName + ".url", url))
                    {
                        url = null;
                    }
                    else if (url is not null && Optimizer.Executors.WebhookExecutor.CheckUrlTemplate(url, allow) is { } problem)
                    {
                        r.Invalid(e, problem);
                        url = null;
                    }
                    break;
                case "method":
                    method = r.String(e)?.ToUpperInvariant();
                    if (method is not null and not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
                    {
                        r.Invalid(e, $"expected GET, POST, PUT, PATCH or DELETE, got \"{method}\"");
                        method = null;
                    }
                    break;
                case "headers":
                    foreach (var (k, v, item) in r.StringMap(e))
                    {
                        if (Template(r, item, item.Value, templateName + ".headers." + k, v))
                        {
                            headers[k] = v;
                        }
                    }
                    break;
                case "body":
                    body = r.String(e);
                    if (body is not null && !Template(r, e, e.Value, templateName + ".body", body))
                    {
                        body = null;
                    }
                    break;
                case "content_type":
                    contentType = r.String(e);
                    if (contentType is not null && !System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out _))
                    {
                        r.Invalid(e, $"\"{contentType}\" is not a media type");
                        contentType = null;
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (string.IsNullOrEmpty(url))
        {
            r.Error(section.Value, $"{section.Path} needs a url");
            return null;
        }
        var d = new WebhookRequestConfig { Url = url };
        return d with
        {
            Method = method ?? d.Method,
            Headers = headers,
            Body = body ?? string.Empty,
            ContentType = contentType ?? d.ContentType,
        };
    }

    private static List<string> Argv(ConfigReader r, ConfigEntry e, string templateName, Optimizer.Executors.ExecutorAllowList allow)
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
        if (Optimizer.Executors.ShellScriptCheck.Find(argv) is var (at, why))
        {
            r.Invalid(e, nodes[at], Optimizer.Executors.CommandExecutor.ShellTemplateAdvice(at, why));
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

    private static List<string> AllowedCommands(ConfigReader r, ConfigEntry e)
    {
        var list = new List<string>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (r.ScalarItem(node, where, "an absolute program path") is not { } s)
            {
                continue;
            }
            if (Optimizer.Executors.ExecutorAllowList.CheckCommandPattern(s) is { } problem)
            {
                r.Invalid(e, node, problem);
                continue;
            }
            list.Add(s);
        }
        return list;
    }

    private static List<string> AllowedHosts(ConfigReader r, ConfigEntry e)
    {
        var list = new List<string>();
        foreach (var (node, where) in r.Sequence(e))
        {
            if (r.ScalarItem(node, where, "a host name, address or host:port") is not { } s)
            {
                continue;
            }
            if (!Optimizer.Executors.ExecutorAllowList.TryParseHost(s, out _, out _, out string problem))
            {
                r.Invalid(e, node, problem);
                continue;
            }
            list.Add(s);
        }
        return list;
    }

    private static OptimizationPolicyConfig? Policy(ConfigReader r, YamlNode node, string where, HashSet<string> executors)
    {
        string? name = null;
        OptimizationMatchConfig? match = null;
        OptimizationActionConfig? action = null;
        OptimizationMetricConfig? target = null;
        var guardrails = new List<OptimizationMetricConfig>();
        TimeSpan? baseline = null, settle = null, observation = null, cooldown = null;
        double? impact = null;
        OptimizationMode? mode = null;
        bool hasEvaluation = false;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "name":
                    name = r.String(e);
                    break;
                case "match":
                    match = Match(r, e);
                    break;
                case "action":
                    action = Action(r, e, executors, name ?? where);
                    break;
                case "evaluation":
                    hasEvaluation = true;
                    foreach (var ev in r.Mapping(e.Value, e.Path))
                    {
                        switch (ev.Key)
                        {
                            case "target":
                                target = Metric(r, ev.Value, ev.Path);
                                break;
                            case "guardrails":
                                guardrails.AddRange(Metrics(r, ev));
                                break;
                            case "baseline":
                                baseline = GlobalConfig.PositiveDuration(r, ev);
                                break;
                            case "settle":
                                settle = r.Duration(ev);
                                break;
                            case "observation":
                                observation = GlobalConfig.PositiveDuration(r, ev);
                                break;
                            case "impact_threshold":
                                impact = Number(r, ev, 0, 100);
                                break;
                            default:
                                r.UnknownKey(ev);
                                break;
                        }
                    }
                    break;
                case "cooldown":
                    cooldown = r.Duration(e);
                    break;
                case "mode":
                    mode = Mode(r, e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (node is not YamlMappingNode)
        {
            return null;
        }
        var missing = new List<string>();
        if (string.IsNullOrEmpty(name))
        {
            missing.Add("a name");
        }
        if (match is null)
        {
            missing.Add("match");
        }
        if (action is null)
        {
            missing.Add("action");
        }
        if (target is null)
        {
            missing.Add(hasEvaluation ? "evaluation.target" : "evaluation with a target metric");
        }
        if (missing.Count > 0)
        {
            r.Error(node, $"{where} needs {string.Join(", ", missing)}");
            return null;
        }
        return new OptimizationPolicyConfig
        {
            Name = name!,
            Match = match!,
            Action = action!,
            Target = target!,
            Guardrails = guardrails,
            Baseline = baseline,
            Settle = settle,
            Observation = observation,
            ImpactThreshold = impact,
            Cooldown = cooldown,
            Mode = mode,
        };
    }

    private static OptimizationMatchConfig? Match(ConfigReader r, ConfigEntry section)
    {
        string? source = null, type = null;
        var severities = new List<string>();
        var matchers = new List<LabelMatcher>();
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "alert" or "insight":
                    if (source is not null)
                    {
                        r.Error(e.KeyNode, $"{section.Path} has both alert and insight; a policy matches one kind of signal");
                        break;
                    }
                    source = e.Key;
                    type = r.String(e);
                    break;
                case "severity":
                    severities.AddRange(e.Value is YamlScalarNode ? [r.String(e) ?? string.Empty] : r.StringList(e));
                    break;
                case "matchers":
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
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (source is null || string.IsNullOrEmpty(type))
        {
            r.Error(section.Value, $"{section.Path} needs alert: NAME or insight: TYPE");
            return null;
        }
        return new OptimizationMatchConfig
        {
            Source = source,
            Type = type,
            Severities = severities.Where(s => s.Length > 0).Select(s => s.ToLowerInvariant()).ToList(),
            Matchers = matchers,
        };
    }

    private static OptimizationActionConfig? Action(ConfigReader r, ConfigEntry section, HashSet<string> executors, string policy)
    {
        OptimizationActionType? type = null;
        string? executor = null;
        string target = string.Empty, description = string.Empty;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        int priority = 0;
        double impact = 0;
        TimeSpan? timeout = null;
        foreach (var e in r.Mapping(section.Value, section.Path))
        {
            switch (e.Key)
            {
                case "type":
                    if (r.String(e) is { } t)
                    {
                        if (Enum.TryParse<OptimizationActionType>(t, ignoreCase: false, out var parsed) && !char.IsAsciiDigit(t[0]))
                        {
                            type = parsed;
                        }
                        else
                        {
                            r.Invalid(e, $"expected one of {string.Join(", ", Enum.GetNames<OptimizationActionType>())}, got \"{t}\"");
                        }
                    }
                    break;
                case "executor":
                    executor = r.String(e);
                    if (executor is not null && !executors.Contains(executor))
                    {
                        r.Invalid(e, $"no executor named \"{executor}\" in {Section}.executors");
                        executor = null;
                    }
                    break;
                case "target":
                    target = r.String(e) ?? string.Empty;
                    if (!Template(r, e, e.Value, $"policy {policy}.target", target))
                    {
                        target = string.Empty;
                    }
                    break;
                case "parameters":
                    foreach (var (k, v, item) in r.StringMap(e))
                    {
                        if (Template(r, item, item.Value, $"policy {policy}.parameters.{k}", v))
                        {
                            parameters[k] = v;
                        }
                    }
                    break;
                case "priority":
                    if (r.String(e) is { } p)
                    {
                        if (int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int pr))
                        {
                            priority = pr;
                        }
                        else
                        {
                            r.Invalid(e, $"expected an integer, got \"{p}\"");
                        }
                    }
                    break;
                case "estimated_impact":
                    impact = Number(r, e, -100, 100) ?? impact;
                    break;
                case "timeout":
                    timeout = GlobalConfig.PositiveDuration(r, e);
                    break;
                case "description":
                    description = r.String(e) ?? string.Empty;
                    if (!Template(r, e, e.Value, $"policy {policy}.description", description))
                    {
                        description = string.Empty;
                    }
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (type is null || executor is null)
        {
            r.Error(section.Value, $"{section.Path} needs a type and an executor");
            return null;
        }
        return new OptimizationActionConfig
        {
            Type = type.Value,
            Executor = executor,
            Target = target,
            Parameters = parameters,
            Priority = priority,
            EstimatedImpact = impact,
            Timeout = timeout,
            Description = description,
        };
    }

    /// <summary>Checks that <paramref name="text"/> parses as a template; records the error at <paramref name="at"/> otherwise.</summary>
    private static bool Template(ConfigReader r, ConfigEntry e, YamlNode at, string name, string text)
    {
        try
        {
            GoTemplate.Parse(name, text);
            return true;
        }
        catch (TemplateException ex)
        {
            r.Invalid(e, at, ex.Message);
            return false;
        }
    }

    private static OptimizationMode? Mode(ConfigReader r, ConfigEntry e)
    {
        switch (r.String(e))
        {
            case "off":
                return OptimizationMode.Off;
            case "recommend":
                return OptimizationMode.Recommend;
            case "approve":
                return OptimizationMode.Approve;
            case "auto":
                return OptimizationMode.Auto;
            case { } other:
                r.Invalid(e, $"expected off, recommend, approve or auto, got \"{other}\"");
                return null;
            default:
                return null;
        }
    }

    internal static int? PositiveInt(ConfigReader r, ConfigEntry e)
    {
        long? v = r.NonNegativeInteger(e);
        if (v is null)
        {
            return null;
        }
        if (v == 0 || v > int.MaxValue)
        {
            r.Invalid(e, "must be a positive integer");
            return null;
        }
        return (int)v;
    }

    internal static double? Number(ConfigReader r, ConfigEntry e, double min, double max)
    {
        string? s = r.String(e);
        if (s is null)
        {
            return null;
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
        {
            r.Invalid(e, $"expected a number, got \"{s}\"");
            return null;
        }
        if (v < min || v > max)
        {
            r.Invalid(e, string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}, got {s}"));
            return null;
        }
        return v;
    }

    /// <summary>The seed's <c>optimization_timeout: 300</c> (seconds) or a duration (<c>5m</c>).</summary>
    internal static TimeSpan? SecondsOrDuration(ConfigReader r, ConfigEntry e)
    {
        string? s = r.String(e);
        if (s is null)
        {
            return null;
        }
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            if (seconds == 0)
            {
                r.Invalid(e, "must be greater than 0");
                return null;
            }
            return TimeSpan.FromSeconds(seconds);
        }
        return GlobalConfig.PositiveDuration(r, e);
    }

    private static string? TokenFile(ConfigReader r, ConfigEntry e)
    {
        if (r.ExistingFile(e) is not { } path)
        {
            return null;
        }
        try
        {
            string token = File.ReadAllText(path).Trim();
            if (token.Length == 0)
            {
                r.Invalid(e, $"the token file \"{path}\" is empty");
                return null;
            }
            return token;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            r.Invalid(e, $"cannot read \"{path}\": {ex.Message}");
            return null;
        }
    }
}
