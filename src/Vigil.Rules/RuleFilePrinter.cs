using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Vigil.Core.Model;

namespace Vigil.Rules;

/// <summary>Writes rule groups as a Prometheus rule file (what <c>vigil check config --print-rules</c> shows).</summary>
/// <remarks>Strings are written as YAML double-quoted scalars, so any text round-trips. Thread-safe (stateless).</remarks>
public static class RuleFilePrinter
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The rule file text for <paramref name="groups"/>.</summary>
    public static string Print(IReadOnlyList<RuleGroupSpec> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var sb = new StringBuilder();
        if (groups.Count == 0)
        {
            return "groups: []\n";
        }
        sb.Append("groups:\n");
        foreach (var g in groups)
        {
            sb.Append("  - name: ").Append(Q(g.Name)).Append('\n');
            if (g.Interval is { } iv)
            {
                sb.Append("    interval: ").Append(PrometheusDuration.Format(iv)).Append('\n');
            }
            if (g.QueryOffset is { } qo)
            {
                sb.Append("    query_offset: ").Append(PrometheusDuration.Format(qo)).Append('\n');
            }
            if (g.Limit > 0)
            {
                sb.Append("    limit: ").Append(g.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
            Map(sb, "    ", "labels", g.Labels);
            if (g.Rules.Count == 0)
            {
                sb.Append("    rules: []\n");
                continue;
            }
            sb.Append("    rules:\n");
            foreach (var r in g.Rules)
            {
                if (r.Record is not null)
                {
                    sb.Append("      - record: ").Append(Q(r.Record)).Append('\n');
                }
                else
                {
                    sb.Append("      - alert: ").Append(Q(r.Alert ?? string.Empty)).Append('\n');
                }
                sb.Append("        expr: ").Append(Q(r.Expr)).Append('\n');
                if (r.For > TimeSpan.Zero)
                {
                    sb.Append("        for: ").Append(PrometheusDuration.Format(r.For)).Append('\n');
                }
                if (r.KeepFiringFor > TimeSpan.Zero)
                {
                    sb.Append("        keep_firing_for: ").Append(PrometheusDuration.Format(r.KeepFiringFor)).Append('\n');
                }
                Map(sb, "        ", "labels", r.Labels);
                Map(sb, "        ", "annotations", r.Annotations);
            }
        }
        return sb.ToString();
    }

    private static void Map(StringBuilder sb, string indent, string key, IReadOnlyDictionary<string, string> map)
    {
        if (map.Count == 0)
        {
            return;
        }
        sb.Append(indent).Append(key).Append(":\n");
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(indent).Append("  ").Append(Q(k)).Append(": ").Append(Q(v)).Append('\n');
        }
    }

    private static string Q(string s) => JsonSerializer.Serialize(s, Json);
}
