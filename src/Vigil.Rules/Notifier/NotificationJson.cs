using System.Globalization;
using System.Text.Json;
using Vigil.Core.Labels;

namespace Vigil.Rules.Notifier;

/// <summary>Writes Alertmanager's v2 alert list and webhook payload.</summary>
internal static class NotificationJson
{
    /// <summary>The zero time Alertmanager writes as the end of a firing alert in webhooks.</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static void WriteLabels(Utf8JsonWriter w, string name, LabelSet labels)
    {
        w.WriteStartObject(name);
        foreach (var l in labels)
        {
            w.WriteString(l.Name, l.Value);
        }
        w.WriteEndObject();
    }

    /// <summary>The body of <c>POST /api/v2/alerts</c>.</summary>
    public static byte[] AlertmanagerBatch(IReadOnlyList<NotificationAlert> alerts)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (var a in alerts)
            {
                w.WriteStartObject();
                WriteLabels(w, "labels", a.Labels);
                WriteLabels(w, "annotations", a.Annotations);
                w.WriteString("startsAt", Time(a.StartsAt));
                w.WriteString("endsAt", Time(a.EndsAt));
                w.WriteString("generatorURL", a.GeneratorUrl);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return ms.ToArray();
    }

    /// <summary>A 16-hex-digit fingerprint of the labels (FNV-1a 64), stable across processes.</summary>
    public static string Fingerprint(LabelSet labels)
    {
        ulong h = 14695981039346656037UL;
        foreach (var l in labels)
        {
            foreach (char c in l.Name)
            {
                h = (h ^ c) * 1099511628211UL;
            }
            h = (h ^ 0xff) * 1099511628211UL;
            foreach (char c in l.Value)
            {
                h = (h ^ c) * 1099511628211UL;
            }
            h = (h ^ 0xff) * 1099511628211UL;
        }
        return h.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Alertmanager's webhook payload (version 4).</summary>
    public static byte[] WebhookPayload(string receiver, string groupKey, LabelSet groupLabels, IReadOnlyList<NotificationAlert> alerts, DateTimeOffset now, string externalUrl)
    {
        bool anyFiring = alerts.Any(a => !a.IsResolvedAt(now));
        var common = alerts.Count == 0 ? LabelSet.Empty : Common(alerts.Select(a => a.Labels));
        var commonAnnotations = alerts.Count == 0 ? LabelSet.Empty : Common(alerts.Select(a => a.Annotations));
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("receiver", receiver);
            w.WriteString("status", anyFiring ? "firing" : "resolved");
            w.WriteStartArray("alerts");
            foreach (var a in alerts)
            {
                bool resolved = a.IsResolvedAt(now);
                w.WriteStartObject();
                w.WriteString("status", resolved ? "resolved" : "firing");
                WriteLabels(w, "labels", a.Labels);
                WriteLabels(w, "annotations", a.Annotations);
                w.WriteString("startsAt", Time(a.StartsAt));
                w.WriteString("endsAt", resolved ? Time(a.EndsAt) : ZeroTime);
                w.WriteString("generatorURL", a.GeneratorUrl);
                w.WriteString("fingerprint", Fingerprint(a.Labels));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteLabels(w, "groupLabels", groupLabels);
            WriteLabels(w, "commonLabels", common);
            WriteLabels(w, "commonAnnotations", commonAnnotations);
            w.WriteString("externalURL", externalUrl);
            w.WriteString("version", "4");
            w.WriteString("groupKey", groupKey);
            w.WriteNumber("truncatedAlerts", 0);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static LabelSet Common(IEnumerable<LabelSet> sets)
    {
        Dictionary<string, string>? common = null;
        foreach (var s in sets)
        {
            if (common is null)
            {
                common = s.ToDictionary();
                continue;
            }
            foreach (var k in common.Keys.ToList())
            {
                if (s.Get(k) != common[k])
                {
                    common.Remove(k);
                }
            }
        }
        return common is null ? LabelSet.Empty : LabelSet.FromDictionary(common);
    }
}
