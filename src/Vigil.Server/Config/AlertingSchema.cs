using Vigil.Collection.Scrape;
using Vigil.Core.Labels;
using Vigil.Rules.Notifier;
using Vigil.Server.Config.Binding;
using YamlDotNet.RepresentationModel;
using static Vigil.Server.Config.Binding.ConfigValues;

namespace Vigil.Server.Config;

/// <summary>
/// The <c>alerting:</c> section's keys, declared onto <see cref="AlertingOptions"/>: Prometheus's <c>alertmanagers</c>
/// (static targets, scheme, path prefix, timeout, API v2) and Vigil's <c>webhooks</c> (Alertmanager's webhook payload
/// with grouping, a severity filter, retries and a bounded queue).
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
internal static class AlertingSchema
{
    /// <summary>One <c>alertmanagers</c> entry as written: its addresses become one target each once the entry is read.</summary>
    private sealed record AlertmanagerEntry
    {
        public string Scheme { get; init; } = "http";
        public string PathPrefix { get; init; } = "/";
        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
        public IReadOnlyList<(string Address, YamlNode Node, string Where)> Addresses { get; init; } = [];
        public IReadOnlyList<AlertmanagerTarget> Targets { get; init; } = [];
    }

    private static readonly ConfigSchema<AlertmanagerEntry> StaticConfig = new ConfigSchema<AlertmanagerEntry>()
        .Custom("targets", (r, e, o) =>
        {
            var addresses = new List<(string, YamlNode, string)>(o.Addresses);
            foreach (var (t, where) in r.Sequence(e))
            {
                if (r.ScalarItem(t, where, "an Alertmanager address (host:port)") is not { } address)
                {
                    continue;
                }
                if (ScrapeConfig.CheckTargetAddress(address) is { } problem)
                {
                    r.Error(t, $"{problem} in {where}");
                    continue;
                }
                addresses.Add((address, t, where));
            }
            return o with { Addresses = addresses };
        })
        .Unsupported("labels");

    private static readonly ConfigSchema<AlertmanagerEntry> Alertmanager = new ConfigSchema<AlertmanagerEntry>()
        .Custom("static_configs", (r, e, o) =>
        {
            foreach (var (item, where) in r.Sequence(e))
            {
                o = StaticConfig.Bind(r, item, where, o)!;
            }
            return o;
        })
        .Key("scheme", OneOf(("http", "http"), ("https", "https")), (o, v) => o with { Scheme = v })
        .Key("path_prefix", Text, (o, v) => o with { PathPrefix = v })
        .Key("timeout", PositiveDuration, (o, v) => o with { Timeout = v })
        .Key("api_version", Text.Where(v => v == "v2", v => $"only Alertmanager's API v2 is supported, got \"{v}\""), (o, _) => o)
        .Unsupported("basic_auth", "authorization", "oauth2", "tls_config", "proxy_url", "follow_redirects", "enable_http2",
            "sigv4", "file_sd_configs", "dns_sd_configs", "kubernetes_sd_configs", "consul_sd_configs", "relabel_configs",
            "alert_relabel_configs", "http_headers")
        .Finish(b =>
        {
            var o = b.Value;
            if (!b.Has("static_configs"))
            {
                b.Error($"an Alertmanager needs static_configs with targets in {b.Where}");
            }
            string path = "/" + o.PathPrefix.Trim('/');
            path = path == "/" ? "/" : path + "/";
            var targets = new List<AlertmanagerTarget>(o.Addresses.Count);
            foreach (var (address, at, where) in o.Addresses)
            {
                if (!Uri.TryCreate(o.Scheme + "://" + address + path, UriKind.Absolute, out var url))
                {
                    b.Reader.Error(at, $"\"{address}\" with path_prefix \"{o.PathPrefix}\" does not make a valid URL in {where}");
                    continue;
                }
                targets.Add(new AlertmanagerTarget { Url = url, Timeout = o.Timeout });
            }
            return o with { Targets = targets };
        });

    private static readonly ConfigValue<Uri> HttpUrl = (ConfigReader r, ConfigEntry e, out Uri value) =>
    {
        value = null!;
        if (r.String(e) is not { } u)
        {
            return false;
        }
        if (Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
        {
            value = parsed;
            return true;
        }
        r.Invalid(e, $"expected an http or https URL, got \"{u}\"");
        return false;
    };

    private static readonly ConfigSchema<WebhookRoute> Webhook = new ConfigSchema<WebhookRoute>()
        .Custom("name", (r, e, o) =>
        {
            if (r.String(e) is not { } name)
            {
                return null;
            }
            if (name.Length == 0)
            {
                r.Invalid(e, "must not be empty");
            }
            return o with { Name = name };
        })
        .Key("url", HttpUrl, (o, v) => o with { Url = v })
        .Custom("group_by", (r, e, o) =>
        {
            var labels = r.StringList(e);
            foreach (string l in labels)
            {
                if (l != "..." && !LabelValidation.IsValidName(l))
                {
                    r.Invalid(e, $"\"{l}\" is not a valid label name (or ... for all labels)");
                }
            }
            return o with { GroupBy = labels };
        })
        .Key("group_wait", Duration, (o, v) => o with { GroupWait = v })
        .Key("group_interval", PositiveDuration, (o, v) => o with { GroupInterval = v })
        .Key("repeat_interval", PositiveDuration, (o, v) => o with { RepeatInterval = v })
        .Key("severities", StringList, (o, v) => o with { Severities = v })
        .Key("send_resolved", Bool, (o, v) => o with { SendResolved = v })
        .Key("max_attempts", PositiveInt, (o, v) => o with { MaxAttempts = v })
        .Key("initial_backoff", PositiveDuration, (o, v) => o with { InitialBackoff = v })
        .Key("max_backoff", PositiveDuration, (o, v) => o with { MaxBackoff = v })
        .Key("queue_capacity", PositiveInt, (o, v) => o with { QueueCapacity = v })
        .Key("timeout", PositiveDuration, (o, v) => o with { Timeout = v })
        .Finish(b =>
        {
            if (!b.Bound("name"))
            {
                b.Error($"a webhook needs a name in {b.Where}");
            }
            if (!b.Has("url"))
            {
                b.Error($"a webhook needs a url in {b.Where}");
            }
            if (b.Value.Name.Length == 0 || !b.Bound("url"))
            {
                return null;
            }
            return b.Value with { MaxBackoff = b.Value.MaxBackoff > b.Value.InitialBackoff ? b.Value.MaxBackoff : b.Value.InitialBackoff };
        });

    /// <summary>The section's keys.</summary>
    public static readonly ConfigSchema<AlertingOptions> Root = new ConfigSchema<AlertingOptions>()
        .Custom("alertmanagers", (r, e, o) =>
        {
            var targets = new List<AlertmanagerTarget>();
            foreach (var (node, where) in r.Sequence(e))
            {
                targets.AddRange(Alertmanager.Bind(r, node, where, new AlertmanagerEntry())!.Targets);
            }
            return o with { Alertmanagers = targets };
        })
        .Key("webhooks", UniqueListOf(Webhook.Item(() => new WebhookRoute { Name = string.Empty, Url = new Uri("http://localhost/") }),
            w => w.Name, (name, where) => $"found multiple webhooks named \"{name}\" in {where}"), (o, v) => o with { Webhooks = v })
        .Key("queue_capacity", PositiveInt, (o, v) => o with { QueueCapacity = v })
        .Key("max_batch_size", PositiveInt, (o, v) => o with { MaxBatchSize = v })
        .Key("retry_backoff", PositiveDuration, (o, v) => o with { RetryBackoff = v })
        .Unsupported("alert_relabel_configs");

    /// <summary>Reads the section; problems are recorded in <paramref name="r"/>.</summary>
    public static AlertingOptions Parse(ConfigReader r, ConfigEntry section) => Root.Bind(r, section.Value, section.Key, new AlertingOptions())!;
}
