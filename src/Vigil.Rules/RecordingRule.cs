using System.Globalization;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.PromQL.Engine;

namespace Vigil.Rules;

/// <summary>A recording rule: stores the expression's result under a new metric name with the rule's labels.</summary>
public sealed class RecordingRule : Rule
{
    /// <summary>Creates the rule; <paramref name="labels"/> override labels of the result.</summary>
    public RecordingRule(string record, string expr, LabelSet labels)
        : base(record, expr, labels)
    {
    }

    internal override List<LabeledSample> Eval(RuleContext ctx, long tsMs, long queryOffsetMs, int limit, CancellationToken ct)
    {
        long queryTs = tsMs - queryOffsetMs;
        var vector = ctx.Query(Expr, queryTs, ct);
        var result = new List<LabeledSample>(vector.Count);
        var seen = new HashSet<LabelSet>();
        var b = new LabelSetBuilder();
        foreach (var s in vector)
        {
            b.Reset(s.Labels);
            b.Set(LabelSet.MetricName, Name);
            foreach (var l in Labels)
            {
                b.Set(l.Name, l.Value);
            }
            var labels = b.Build();
            if (!seen.Add(labels))
            {
                throw new PromQLException(QueryErrorType.Execution, "vector contains metrics with the same labelset after applying rule labels");
            }
            result.Add(new LabeledSample(labels, queryTs, s.V));
        }
        if (limit > 0 && result.Count > limit)
        {
            throw new PromQLException(QueryErrorType.Execution,
                string.Create(CultureInfo.InvariantCulture, $"exceeded limit of {limit} with {result.Count} series"));
        }
        return result;
    }
}
