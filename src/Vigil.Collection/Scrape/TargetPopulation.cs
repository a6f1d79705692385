using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Collection.Discovery;
using Vigil.Collection.Relabel;

namespace Vigil.Collection.Scrape;

/// <summary>Turns discovered target groups into targets the way Prometheus's <c>PopulateLabels</c> does.</summary>
/// <remarks>Stateless; not thread-safe only in that each caller passes its own builder.</remarks>
internal static class TargetPopulation
{
    /// <summary>The outcome for one discovered target.</summary>
    /// <param name="Labels">The final labels, or null when relabelling dropped the target or it is invalid.</param>
    /// <param name="Discovered">The labels before relabelling (with the job's defaults).</param>
    /// <param name="Error">Why the target is invalid, or null.</param>
    internal readonly record struct Result(LabelSet? Labels, LabelSet Discovered, string? Error);

    /// <summary>The labels of each target of <paramref name="group"/>: its own labels, then the group's for names it lacks.</summary>
    public static IEnumerable<LabelSet> Merge(TargetGroup group)
    {
        foreach (var target in group.Targets)
        {
            if (group.Labels.Count == 0)
            {
                yield return target;
                continue;
            }
            var b = new LabelSetBuilder(target);
            foreach (var l in group.Labels.AsSpan())
            {
                if (!target.Has(l.Name))
                {
                    b.Set(l.Name, l.Value);
                }
            }
            yield return b.Build();
        }
    }

    /// <summary>Applies the job's defaults and relabelling to one discovered label set and validates the result.</summary>
    public static Result Populate(LabelSet discovered, ScrapeConfig cfg, LabelSetBuilder b)
    {
        b.Reset(discovered);
        SetIfMissing(b, discovered, TargetLabelNames.Job, cfg.JobName);
        SetIfMissing(b, discovered, TargetLabelNames.ScrapeInterval, PrometheusDuration.Format(cfg.ScrapeInterval));
        SetIfMissing(b, discovered, TargetLabelNames.ScrapeTimeout, PrometheusDuration.Format(cfg.ScrapeTimeout));
        SetIfMissing(b, discovered, TargetLabelNames.MetricsPath, cfg.MetricsPath);
        SetIfMissing(b, discovered, TargetLabelNames.Scheme, cfg.Scheme);
        foreach (var (name, values) in cfg.Params)
        {
            if (values.Count > 0)
            {
                b.Set(TargetLabelNames.ParamPrefix + name, values[0]);
            }
        }
        var preRelabel = b.Build();
        if (!Relabeler.Process(b, cfg.RelabelConfigs))
        {
            return new Result(null, preRelabel, null);
        }
        var relabeled = b.Build();
        string address = relabeled.Get(TargetLabelNames.Address);
        if (address.Length == 0)
        {
            return new Result(null, preRelabel, "no address");
        }
        if (ScrapeConfig.CheckTargetAddress(address) is { } addressError)
        {
            return new Result(null, preRelabel, addressError);
        }
        string scheme = relabeled.Get(TargetLabelNames.Scheme);
        if (scheme is not "http" and not "https")
        {
            return new Result(null, preRelabel, $"invalid scheme: \"{scheme}\"");
        }
        string intervalText = relabeled.Get(TargetLabelNames.ScrapeInterval);
        if (!PrometheusDuration.TryParse(intervalText, out var interval, out string intervalError))
        {
            return new Result(null, preRelabel, "error parsing scrape interval: " + intervalError);
        }
        if (interval == TimeSpan.Zero)
        {
            return new Result(null, preRelabel, "scrape interval cannot be 0");
        }
        string timeoutText = relabeled.Get(TargetLabelNames.ScrapeTimeout);
        if (!PrometheusDuration.TryParse(timeoutText, out var timeout, out string timeoutError))
        {
            return new Result(null, preRelabel, "error parsing scrape timeout: " + timeoutError);
        }
        if (timeout == TimeSpan.Zero)
        {
            return new Result(null, preRelabel, "scrape timeout cannot be 0");
        }
        if (timeout > interval)
        {
            return new Result(null, preRelabel, $"scrape timeout cannot be greater than scrape interval (\"{timeoutText}\" > \"{intervalText}\")");
        }
        // Note: discovery metadata is gone after relabelling; other reserved labels stay on the target (not on its series).
        foreach (var l in relabeled.AsSpan())
        {
            if (l.Name.StartsWith(TargetLabelNames.MetaPrefix, StringComparison.Ordinal))
            {
                b.Delete(l.Name);
            }
        }
        if (!relabeled.Has(TargetLabelNames.Instance))
        {
            b.Set(TargetLabelNames.Instance, address);
        }
        var final = b.Build();
        foreach (var l in final.AsSpan())
        {
            if (!LabelValidation.IsValidUtf8(l.Value))
            {
                return new Result(null, preRelabel, $"invalid label value for \"{l.Name}\": not valid UTF-8");
            }
        }
        return new Result(final, preRelabel, null);
    }

    private static void SetIfMissing(LabelSetBuilder b, LabelSet discovered, string name, string value)
    {
        if (!discovered.Has(name))
        {
            b.Set(name, value);
        }
    }
}
