using Vigil.Collection.Scrape;
using Vigil.Core.Labels;
using Vigil.Rules.Notifier;

namespace Vigil.Server.Config;

/// <summary>
/// Reads the <c>alerting:</c> section strictly into <see cref="AlertingOptions"/>: Prometheus's <c>alertmanagers</c>
/// (static targets, scheme, path prefix, timeout, API v2) and Vigil's <c>webhooks</c> (Alertmanager's webhook payload with
/// grouping, a severity filter, retries and a bounded queue).
/// </summary>
/// <remarks>
/// <code>
/// alerting:
///   queue_capacity: 10000          # alerts waiting per Alertmanager
///   max_batch_size: 64
///   alertmanagers:
///     - static_configs: [{ targets: ['localhost:9093'] }]
///       scheme: http
///       path_prefix: /
///       timeout: 10s
///   webhooks:
///     - name: ops
///       url: http://hooks.example.com/vigil
///       severities: [critical]
///       group_by: [alertname]
///       group_wait: 30s
///       group_interval: 5m
///       repeat_interval: 4h
/// </code>
/// </remarks>
internal static class AlertingConfigParser
{
    /// <summary>Parses the section; problems are recorded in <paramref name="r"/>.</summary>
    public static AlertingOptions Parse(ConfigReader r, ConfigEntry section)
    {
        var d = new AlertingOptions();
        var alertmanagers = new List<AlertmanagerTarget>();
        var webhooks = new List<WebhookRoute>();
        int capacity = d.QueueCapacity, batch = d.MaxBatchSize;
        var backoff = d.RetryBackoff;
        foreach (var e in r.Mapping(section.Value, section.Key))
        {
            switch (e.Key)
            {
                case "alertmanagers":
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        alertmanagers.AddRange(Alertmanagers(r, node, where));
                    }
                    break;
                case "webhooks":
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var (node, where) in r.Sequence(e))
                    {
                        if (Webhook(r, node, where) is { } hook)
                        {
                            if (!names.Add(hook.Name))
                            {
                                r.Error(node, $"found multiple webhooks named \"{hook.Name}\" in {where}");
                                continue;
                            }
                            webhooks.Add(hook);
                        }
                    }
                    break;
                case "queue_capacity":
                    capacity = r.PositiveInt(e) ?? capacity;
                    break;
                case "max_batch_size":
                    batch = r.PositiveInt(e) ?? batch;
                    break;
                case "retry_backoff":
                    backoff = r.PositiveDuration(e) ?? backoff;
                    break;
                case "alert_relabel_configs":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        return new AlertingOptions
        {
            Alertmanagers = alertmanagers,
            Webhooks = webhooks,
            QueueCapacity = capacity,
            MaxBatchSize = batch,
            RetryBackoff = backoff,
        };
    }

    /// <summary>One <c>alertmanagers</c> entry: a target per address of its static configs.</summary>
    private static List<AlertmanagerTarget> Alertmanagers(ConfigReader r, YamlDotNet.RepresentationModel.YamlNode node, string where)
    {
        string scheme = "http", prefix = "/";
        var timeout = TimeSpan.FromSeconds(10);
        var addresses = new List<(string Address, YamlDotNet.RepresentationModel.YamlNode Node, string Where)>();
        bool anyTargets = false;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "static_configs":
                    anyTargets = true;
                    foreach (var (item, itemWhere) in r.Sequence(e))
                    {
                        foreach (var s in r.Mapping(item, itemWhere))
                        {
                            switch (s.Key)
                            {
                                case "targets":
                                    foreach (var (t, tWhere) in r.Sequence(s))
                                    {
                                        if (r.ScalarItem(t, tWhere, "an Alertmanager address (host:port)") is not { } address)
                                        {
                                            continue;
                                        }
                                        if (ScrapeConfig.CheckTargetAddress(address) is { } problem)
                                        {
                                            r.Error(t, $"{problem} in {tWhere}");
                                            continue;
                                        }
                                        addresses.Add((address, t, tWhere));
                                    }
                                    break;
                                case "labels":
                                    r.Unsupported(s);
                                    break;
                                default:
                                    r.UnknownKey(s);
                                    break;
                            }
                        }
                    }
                    break;
                case "scheme":
                    string? sc = r.String(e);
                    if (sc is "http" or "https")
                    {
                        scheme = sc;
                    }
                    else if (sc is not null)
                    {
                        r.Invalid(e, $"expected http or https, got \"{sc}\"");
                    }
                    break;
                case "path_prefix":
                    prefix = r.String(e) ?? prefix;
                    break;
                case "timeout":
                    timeout = r.PositiveDuration(e) ?? timeout;
                    break;
                case "api_version":
                    if (r.String(e) is { } v && v != "v2")
                    {
                        r.Invalid(e, $"only Alertmanager's API v2 is supported, got \"{v}\"");
                    }
                    break;
                case "basic_auth" or "authorization" or "oauth2" or "tls_config" or "proxy_url" or "follow_redirects" or "enable_http2"
                    or "sigv4" or "file_sd_configs" or "dns_sd_configs" or "kubernetes_sd_configs" or "consul_sd_configs" or "relabel_configs"
                    or "alert_relabel_configs" or "http_headers":
                    r.Unsupported(e);
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (!anyTargets)
        {
            r.Error(node, $"an Alertmanager needs static_configs with targets in {where}");
        }
        string path = "/" + prefix.Trim('/');
        path = path == "/" ? "/" : path + "/";
        var result = new List<AlertmanagerTarget>(addresses.Count);
        foreach (var (address, at, atWhere) in addresses)
        {
            if (!Uri.TryCreate(scheme + "://" + address + path, UriKind.Absolute, out var url))
            {
                r.Error(at, $"\"{address}\" with path_prefix \"{prefix}\" does not make a valid URL in {atWhere}");
                continue;
            }
            result.Add(new AlertmanagerTarget { Url = url, Timeout = timeout });
        }
        return result;
    }

    /// <summary>One <c>webhooks</c> entry.</summary>
    private static WebhookRoute? Webhook(ConfigReader r, YamlDotNet.RepresentationModel.YamlNode node, string where)
    {
        var d = new WebhookRoute { Name = "-", Url = new Uri("http://localhost/") };
        string? name = null;
        Uri? url = null;
        bool urlGiven = false;
        var groupBy = d.GroupBy;
        var groupWait = d.GroupWait;
        var groupInterval = d.GroupInterval;
        var repeat = d.RepeatInterval;
        var severities = d.Severities;
        bool sendResolved = d.SendResolved;
        int attempts = d.MaxAttempts, capacity = d.QueueCapacity;
        var initialBackoff = d.InitialBackoff;
        var maxBackoff = d.MaxBackoff;
        var timeout = d.Timeout;
        foreach (var e in r.Mapping(node, where))
        {
            switch (e.Key)
            {
                case "name":
                    name = r.String(e);
                    if (name is { Length: 0 })
                    {
                        r.Invalid(e, "must not be empty");
                    }
                    break;
                case "url":
                    urlGiven = true;
                    string? u = r.String(e);
                    if (u is null)
                    {
                        break;
                    }
                    if (Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
                    {
                        url = parsed;
                    }
                    else
                    {
                        r.Invalid(e, $"expected an http or https URL, got \"{u}\"");
                    }
                    break;
                case "group_by":
                    var labels = r.StringList(e);
                    foreach (string l in labels)
                    {
                        if (l != "..." && !LabelValidation.IsValidName(l))
                        {
                            r.Invalid(e, $"\"{l}\" is not a valid label name (or ... for all labels)");
                        }
                    }
                    groupBy = labels;
                    break;
                case "group_wait":
                    groupWait = r.Duration(e) ?? groupWait;
                    break;
                case "group_interval":
                    groupInterval = r.PositiveDuration(e) ?? groupInterval;
                    break;
                case "repeat_interval":
                    repeat = r.PositiveDuration(e) ?? repeat;
                    break;
                case "severities":
                    severities = r.StringList(e);
                    break;
                case "send_resolved":
                    sendResolved = r.Bool(e) ?? sendResolved;
                    break;
                case "max_attempts":
                    attempts = r.PositiveInt(e) ?? attempts;
                    break;
                case "initial_backoff":
                    initialBackoff = r.PositiveDuration(e) ?? initialBackoff;
                    break;
                case "max_backoff":
                    maxBackoff = r.PositiveDuration(e) ?? maxBackoff;
                    break;
                case "queue_capacity":
                    capacity = r.PositiveInt(e) ?? capacity;
                    break;
                case "timeout":
                    timeout = r.PositiveDuration(e) ?? timeout;
                    break;
                default:
                    r.UnknownKey(e);
                    break;
            }
        }
        if (name is null)
        {
            r.Error(node, $"a webhook needs a name in {where}");
        }
        if (!urlGiven)
        {
            r.Error(node, $"a webhook needs a url in {where}");
        }
        if (name is null or { Length: 0 } || url is null)
        {
            return null;
        }
        return new WebhookRoute
        {
            Name = name,
            Url = url,
            GroupBy = groupBy,
            GroupWait = groupWait,
            GroupInterval = groupInterval,
            RepeatInterval = repeat,
            Severities = severities,
            SendResolved = sendResolved,
            MaxAttempts = attempts,
            InitialBackoff = initialBackoff,
            MaxBackoff = maxBackoff > initialBackoff ? maxBackoff : initialBackoff,
            QueueCapacity = capacity,
            Timeout = timeout,
        };
    }
}
