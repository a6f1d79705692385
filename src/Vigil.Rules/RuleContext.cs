using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.Rules;

/// <summary>What rules evaluate against: the engine, the storage they query, and the server's identity for templates.</summary>
internal sealed class RuleContext(PromQLEngine engine, ISampleQueryable queryable, LabelSet externalLabels, string externalUrl)
{
    public PromQLEngine Engine { get; } = engine;

    public ISampleQueryable Queryable { get; } = queryable;

    public LabelSet ExternalLabels { get; } = externalLabels;

    public IReadOnlyDictionary<string, string> ExternalLabelMap { get; } = externalLabels.ToDictionary();

    public string ExternalUrl { get; } = externalUrl;

    /// <summary>Runs an instant query and returns its result as a vector (a scalar becomes one sample without labels).</summary>
    public IReadOnlyList<Vigil.Core.Model.LabeledSample> Query(string expr, long tsMs, CancellationToken ct)
    {
        var result = Engine.InstantQuery(Queryable, expr, tsMs, null, ct);
        return result.Value switch
        {
            VectorValue v => v.Samples,
            ScalarValue s => [new Vigil.Core.Model.LabeledSample(LabelSet.Empty, s.T, s.V)],
            _ => throw new PromQLException(QueryErrorType.Execution, "rule result is not a vector or scalar"),
        };
    }
}
