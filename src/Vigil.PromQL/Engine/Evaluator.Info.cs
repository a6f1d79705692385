using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Ast;

namespace Vigil.PromQL.Engine;

/// <summary>
/// <c>info(v [, {data-label-selector}])</c>: adds the data labels of info series (by default <c>target_info</c>) that share
/// the identifying labels <c>instance</c> and <c>job</c> with each series of <c>v</c>, as Prometheus's experimental
/// <c>info</c> function does.
/// </summary>
internal sealed partial class Evaluator
{
    private const string TargetInfo = "target_info";

    private static readonly string[] IdentifyingLabels = ["instance", "job"];

    /// <summary>The second argument of an <c>info</c> call: a label selector that is not a series selection of its own.</summary>
    public static bool IsInfoLabelSelector(Expr node, IReadOnlyList<Expr> path)
        => path.Count > 0 && path[^1] is Call { Func.Name: "info" } c && c.Args.Count > 1 && ReferenceEquals(c.Args[1], node);

    private List<EvalSeries> EvalInfo(Call e)
    {
        var selector = e.Args.Count > 1 ? (VectorSelector)e.Args[1] : null;
        var nameMatchers = new List<LabelMatcher>();
        var dataMatchers = new Dictionary<string, List<LabelMatcher>>(StringComparer.Ordinal);
        var select = new List<LabelMatcher>();
        if (selector is null)
        {
            nameMatchers.Add(LabelMatcher.MetricName(TargetInfo));
            select.Add(nameMatchers[0]);
        }
        else
        {
            foreach (var m in selector.Matchers)
            {
                select.Add(m);
                if (m.Name == LabelSet.MetricName)
                {
                    nameMatchers.Add(m);
                }
                else
                {
                    if (!dataMatchers.TryGetValue(m.Name, out var list))
                    {
                        dataMatchers[m.Name] = list = [];
                    }
                    list.Add(m);
                }
            }
        }
        bool anyPositiveName = nameMatchers.Exists(m => m.Type is MatchOp.Equal or MatchOp.Regexp);
        if (!anyPositiveName)
        {
            // Note: without a positive name matcher the candidates are target_info (no name matcher at all) or, when
            // names are only excluded, every other *_info metric.
            select.Add(nameMatchers.Count == 0 ? LabelMatcher.MetricName(TargetInfo) : new LabelMatcher(MatchOp.Regexp, LabelSet.MetricName, ".+_info"));
        }

        int original = CurrentSamples;
        var baseMat = Eval(e.Args[0]);
        // Note: series that are themselves info series (by every name matcher, at least one positive) are not enriched.
        var ignore = new bool[baseMat.Count];
        var baseIds = new LabelSet[baseMat.Count];
        for (int i = 0; i < baseMat.Count; i++)
        {
            var metric = baseMat[i].Metric;
            string name = metric.Get(LabelSet.MetricName);
            ignore[i] = (selector is null || anyPositiveName) && nameMatchers.TrueForAll(m => m.Matches(name));
            baseIds[i] = metric.Keep(IdentifyingLabels);
        }
        var info = LoadInfoSeries(select);
        var names = info.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToArray();
        var refTime = InfoReferenceTime(e.Args[0]);
        var latest = new Dictionary<(string Name, LabelSet Ids), (InfoSeries Series, long T)>();
        bool allMatchEmpty = true;
        foreach (var list in dataMatchers.Values)
        {
            allMatchEmpty &= list.TrueForAll(m => m.MatchesEmpty);
        }
        var builder = new LabelSetBuilder();
        var added = new List<Label>();
        return RangeEvalMatrices((args, enh) =>
        {
            long t = refTime(enh.Ts);
            latest.Clear();
            foreach (var s in info)
            {
                if (!s.At(t, Ctx.LookbackMs, out long origT))
                {
                    continue;
                }
                var key = (s.Name, s.Ids);
                if (latest.TryGetValue(key, out var existing))
                {
                    if (existing.T == origT)
                    {
                        throw Error("found duplicate series for info metric: existing " + FormatLabels(existing.Series.Labels) + " @ "
                            + existing.T.ToString(System.Globalization.CultureInfo.InvariantCulture) + ", new " + FormatLabels(s.Labels) + " @ "
                            + origT.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    if (existing.T > origT)
                    {
                        continue;
                    }
                }
                latest[key] = (s, origT);
            }
            foreach (var bs in args[0])
            {
                if (ignore[bs.Index])
                {
                    enh.Out.Add(bs with { T = enh.Ts });
                    continue;
                }
                var metric = bs.Metric;
                added.Clear();
                bool seen = false;
                if (baseIds[bs.Index].Count > 0)
                {
                    foreach (string name in names)
                    {
                        if (!latest.TryGetValue((name, baseIds[bs.Index]), out var match))
                        {
                            continue;
                        }
                        seen = true;
                        foreach (var l in match.Series.Labels.AsSpan())
                        {
                            if (l.Name == LabelSet.MetricName || (dataMatchers.Count > 0 && !dataMatchers.ContainsKey(l.Name)))
                            {
                                continue;
                            }
                            int have = added.FindIndex(a => a.Name == l.Name);
                            if (have >= 0 && added[have].Value != l.Value)
                            {
                                throw Error("conflicting label: " + l.Name);
                            }
                            if (have < 0 && !metric.Has(l.Name))
                            {
                                added.Add(l);
                            }
                        }
                    }
                }
                if (!seen && !allMatchEmpty)
                {
                    continue;
                }
                if (added.Count > 0)
                {
                    builder.Reset(metric);
                    foreach (var l in added)
                    {
                        builder.Set(l.Name, l.Value);
                    }
                    metric = builder.Build();
                }
                enh.Out.Add(new StepSample { Metric = metric, F = bs.F, T = enh.Ts, DropName = bs.DropName });
            }
        }, [baseMat], original, null);
    }

    /// <summary>Reads the candidate info series (all their samples the query's querier holds).</summary>
    private List<InfoSeries> LoadInfoSeries(List<LabelMatcher> matchers)
    {
        var result = new List<InfoSeries>();
        if (Ctx.Querier is not { } querier)
        {
            return result;
        }
        var set = querier.Select(false, null, matchers.ToArray());
        ISampleIterator? it = null;
        while (set.MoveNext())
        {
            var series = set.Current;
            var ids = series.Labels.Keep(IdentifyingLabels);
            var s = new InfoSeries(series.Labels, series.Labels.Get(LabelSet.MetricName), ids);
            it = series.Iterator(it);
            while (it.Next())
            {
                // Note: the candidates' samples count against the query's sample limit like any selection.
                Ctx.Tick();
                CurrentSamples++;
                CheckSamples();
                Ctx.SamplesLoaded++;
                if (it.H is not null)
                {
                    throw Error("this should be an info metric, with float samples: " + FormatLabels(series.Labels));
                }
                s.Times.Add(it.T);
                s.Values.Add(it.V);
            }
            if (it.Error is { } err)
            {
                throw new PromQLException(QueryErrorType.Execution, err.Message, null, err);
            }
            result.Add(s);
        }
        if (set.Error is not null)
        {
            throw new PromQLException(QueryErrorType.Execution, "expanding series: " + set.Error.Message, null, set.Error);
        }
        return result;
    }

    /// <summary>
    /// The time at which the info series are looked up for an evaluation at <c>ts</c>: the time the first selector of
    /// the argument reads, so <c>@</c> and <c>offset</c> on it (or on subqueries around it) move the lookup too.
    /// </summary>
    private static Func<long, long> InfoReferenceTime(Expr arg)
    {
        var path = new List<Expr>();
        if (!PathToFirstSelector(arg, path))
        {
            return static ts => ts;
        }
        return ts =>
        {
            long t = ts;
            foreach (var node in path)
            {
                switch (node)
                {
                    case SubqueryExpr sq:
                        t = (sq.Timestamp ?? t) - sq.OriginalOffset;
                        break;
                    case VectorSelector vs:
                        t = (vs.Timestamp ?? t) - vs.OriginalOffset;
                        break;
                }
            }
            return t;
        };
    }

    private static bool PathToFirstSelector(Expr e, List<Expr> path)
    {
        path.Add(e);
        if (e is VectorSelector)
        {
            return true;
        }
        foreach (var child in AstWalker.Children(e))
        {
            if (PathToFirstSelector(child, path))
            {
                return true;
            }
        }
        path.RemoveAt(path.Count - 1);
        return false;
    }

    /// <summary>One candidate info series with its samples, answering "latest sample in (t - lookback, t]".</summary>
    private sealed class InfoSeries(LabelSet labels, string name, LabelSet ids)
    {
        public LabelSet Labels { get; } = labels;

        public string Name { get; } = name;

        public LabelSet Ids { get; } = ids;

        public List<long> Times { get; } = [];

        public List<double> Values { get; } = [];

        public bool At(long t, long lookback, out long sampleT)
        {
            int i = Times.BinarySearch(t);
            i = i >= 0 ? i : ~i - 1;
            sampleT = i >= 0 ? Times[i] : 0;
            return i >= 0 && Times[i] > t - lookback && !StaleMarker.IsStaleNaN(Values[i]);
        }
    }
}
