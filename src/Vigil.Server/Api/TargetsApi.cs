using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Collection.Scrape;

namespace Vigil.Server.Api;

/// <summary>
/// Prometheus's target endpoints: <c>/api/v1/targets</c> (active and dropped targets with health, last error, last
/// scrape and duration), <c>/api/v1/targets/metadata</c> and <c>/api/v1/metadata</c> (the types and help texts targets
/// and pushes declared), with Prometheus's parameters and JSON shapes.
/// </summary>
/// <remarks>Thread-safe; every request reads a snapshot.</remarks>
internal sealed class TargetsApi(ScrapeManager scrape, Func<IEnumerable<MetricMetadata>> pushedMetadata)
{
    private const string NeverScraped = "0001-01-01T00:00:00Z";

    public async Task TargetsAsync(HttpContext ctx)
    {
        string state = (ctx.Request.Query["state"].ToString() ?? string.Empty).ToLowerInvariant();
        string? pool = ctx.Request.Query["scrapePool"].ToString() is { Length: > 0 } p ? p : null;
        bool showActive = state is "" or "any" or "active";
        bool showDropped = state is "" or "any" or "dropped";
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            w.WriteStartArray("activeTargets"u8);
            if (showActive)
            {
                foreach (var t in scrape.ActiveTargets(pool))
                {
                    WriteTarget(w, t);
                }
            }
            w.WriteEndArray();
            w.WriteStartArray("droppedTargets"u8);
            var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (string job in scrape.Jobs)
            {
                if (pool is null || job == pool)
                {
                    counts[job] = 0;
                }
            }
            foreach (var (job, discovered) in scrape.DroppedTargets(pool))
            {
                counts[job] = counts.GetValueOrDefault(job) + 1;
                if (showDropped)
                {
                    w.WriteStartObject();
                    w.WritePropertyName("discoveredLabels"u8);
                    ApiJson.WriteLabels(w, discovered);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteStartObject("droppedTargetCounts"u8);
            foreach (var (job, n) in counts)
            {
                w.WriteNumber(job, n);
            }
            w.WriteEndObject();
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    private static void WriteTarget(Utf8JsonWriter w, ScrapeTarget t)
    {
        w.WriteStartObject();
        w.WritePropertyName("discoveredLabels"u8);
        ApiJson.WriteLabels(w, t.DiscoveredLabels);
        w.WritePropertyName("labels"u8);
        ApiJson.WriteLabels(w, t.PublicLabels);
        w.WriteString("scrapePool"u8, t.ScrapePool);
        w.WriteString("scrapeUrl"u8, t.Url);
        w.WriteString("globalUrl"u8, t.Url);
        w.WriteString("lastError"u8, t.LastError);
        w.WriteString("lastScrape"u8, t.LastScrape is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) : NeverScraped);
        w.WriteNumber("lastScrapeDuration"u8, t.LastScrapeDuration.TotalSeconds);
        w.WriteString("health"u8, t.Health switch
        {
            TargetHealth.Up => "up",
            TargetHealth.Down => "down",
            _ => "unknown",
        });
        w.WriteString("scrapeInterval"u8, PrometheusDuration.Format(t.ScrapeInterval));
        w.WriteString("scrapeTimeout"u8, PrometheusDuration.Format(t.ScrapeTimeout));
        w.WriteEndObject();
    }

    public async Task TargetMetadataAsync(HttpContext ctx)
    {
        int limit = ParseLimit(ctx, "limit");
        string? metric = ctx.Request.Query["metric"].ToString() is { Length: > 0 } m ? m : null;
        LabelMatcher[]? matchers = null;
        if (ctx.Request.Query["match_target"].ToString() is { Length: > 0 } selector)
        {
            try
            {
                matchers = [.. Vigil.PromQL.Parser.PromQLParser.ParseMetricSelector(selector)];
            }
            catch (Vigil.PromQL.Parser.PromQLParseException e)
            {
                throw ApiException.InvalidParameter("match_target", e.Message);
            }
        }
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartArray("data"u8);
            int n = 0;
            foreach (var t in scrape.ActiveTargets())
            {
                if (matchers is not null && !Matches(matchers, t.PublicLabels))
                {
                    continue;
                }
                foreach (var md in t.Metadata)
                {
                    if (metric is not null && md.Metric != metric)
                    {
                        continue;
                    }
                    if (limit > 0 && n >= limit)
                    {
                        break;
                    }
                    w.WriteStartObject();
                    w.WritePropertyName("target"u8);
                    ApiJson.WriteLabels(w, t.PublicLabels);
                    w.WriteString("metric"u8, md.Metric);
                    w.WriteString("type"u8, md.TypeName);
                    w.WriteString("help"u8, md.Help);
                    w.WriteString("unit"u8, md.Unit);
                    w.WriteEndObject();
                    n++;
                }
            }
            w.WriteEndArray();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    public async Task MetadataAsync(HttpContext ctx)
    {
        int limit = ParseLimit(ctx, "limit");
        int perMetric = ParseLimit(ctx, "limit_per_metric");
        string? metric = ctx.Request.Query["metric"].ToString() is { Length: > 0 } m ? m : null;
        var byMetric = new SortedDictionary<string, List<MetricMetadata>>(StringComparer.Ordinal);
        void Add(MetricMetadata md)
        {
            if (metric is not null && md.Metric != metric)
            {
                return;
            }
            if (!byMetric.TryGetValue(md.Metric, out var list))
            {
                byMetric[md.Metric] = list = new List<MetricMetadata>();
            }
            if (!list.Exists(x => x.Type == md.Type && x.Help == md.Help && x.Unit == md.Unit))
            {
                list.Add(md);
            }
        }
        foreach (var t in scrape.ActiveTargets())
        {
            foreach (var md in t.Metadata)
            {
                Add(md);
            }
        }
        foreach (var md in pushedMetadata())
        {
            Add(md);
        }
        var w = ApiJson.BeginSuccess(ctx);
        await using (w.ConfigureAwait(false))
        {
            w.WriteStartObject("data"u8);
            int n = 0;
            foreach (var (name, list) in byMetric)
            {
                if (limit > 0 && n >= limit)
                {
                    break;
                }
                w.WriteStartArray(name);
                int k = 0;
                foreach (var md in list)
                {
                    if (perMetric > 0 && k >= perMetric)
                    {
                        break;
                    }
                    w.WriteStartObject();
                    w.WriteString("type"u8, md.TypeName);
                    w.WriteString("help"u8, md.Help);
                    w.WriteString("unit"u8, md.Unit);
                    w.WriteEndObject();
                    k++;
                }
                w.WriteEndArray();
                n++;
            }
            w.WriteEndObject();
            await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
        }
    }

    private static bool Matches(LabelMatcher[] matchers, LabelSet labels)
    {
        foreach (var m in matchers)
        {
            if (!m.Matches(labels.Get(m.Name)))
            {
                return false;
            }
        }
        return true;
    }

    private static int ParseLimit(HttpContext ctx, string name)
    {
        string text = ctx.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return 0;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
        {
            // Note: Prometheus words both metadata endpoints' limit errors this way.
            throw ApiException.BadData(name + " must be a number");
        }
        return Math.Max(0, v);
    }
}
