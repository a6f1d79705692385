using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;

namespace Vigil.PromQL.Engine;

/// <summary>Hands a checked expression to a storage that evaluates PromQL itself and turns its answer into this engine's values.</summary>
internal static class RemoteQuery
{
    public static QueryResult Run(IQueryPushdown pushdown, string query, long start, long end, long step, TimeSpan? lookback, QueryContext ctx)
    {
        PushdownResult answer;
        try
        {
            answer = pushdown.Query(new PushdownQuery(query, start, end, step, ctx.Timeout, lookback), ctx.UserToken);
        }
        catch (OperationCanceledException) when (ctx.UserToken.IsCancellationRequested)
        {
            throw new PromQLException(QueryErrorType.Canceled, "query was canceled while the remote store evaluated it");
        }
        long samples = 0;
        QueryValue value;
        switch (answer.Kind)
        {
            case PushdownValueKind.Scalar:
                value = new ScalarValue(answer.ScalarTime, answer.ScalarValue);
                break;
            case PushdownValueKind.String:
                value = new StringValue(answer.ScalarTime, answer.StringValue ?? string.Empty);
                break;
            case PushdownValueKind.Vector when step == 0:
                var vector = new LabeledSample[answer.Series.Count];
                for (int i = 0; i < vector.Length; i++)
                {
                    var s = answer.Series[i];
                    vector[i] = s.Timestamps.Length == 1
                        ? new LabeledSample(s.Labels, s.Timestamps[0], s.Values[0])
                        : throw Malformed("a vector sample without exactly one value");
                }
                samples = vector.Length;
                value = new VectorValue(vector);
                break;
            default:
                // Note: a range query answered with a vector (one step) is a matrix of one point per series, as this engine would give.
                var series = new Series[answer.Series.Count];
                for (int i = 0; i < series.Length; i++)
                {
                    var s = answer.Series[i];
                    var points = new FPoint[s.Timestamps.Length];
                    for (int j = 0; j < points.Length; j++)
                    {
                        points[j] = new FPoint(s.Timestamps[j], s.Values[j]);
                    }
                    samples += points.Length;
                    series[i] = new Series(s.Labels, points);
                }
                Array.Sort(series, static (a, b) => LabelSet.Compare(a.Metric, b.Metric));
                value = new MatrixValue(series);
                break;
        }
        return new QueryResult(value, answer.Warnings, answer.Infos, samples, (int)Math.Min(samples, int.MaxValue));
    }

    /// <summary>The engine's error for a failed remote read: refused as bad data, failed, timed out or unreachable.</summary>
    public static PromQLException Error(RemoteStorageException e, QueryContext ctx)
    {
        if (ctx.UserToken.IsCancellationRequested)
        {
            return new PromQLException(QueryErrorType.Canceled, "query was canceled while the remote store evaluated it", null, e);
        }
        var type = e.Failure switch
        {
            RemoteFailure.BadData => QueryErrorType.BadData,
            RemoteFailure.Execution => QueryErrorType.Execution,
            RemoteFailure.Timeout => QueryErrorType.Timeout,
            RemoteFailure.Unavailable => QueryErrorType.Unavailable,
            _ => QueryErrorType.Internal,
        };
        return new PromQLException(type, e.Message, null, e);
    }

    private static RemoteStorageException Malformed(string what) => new(RemoteFailure.BadResponse, "remote store answered with " + what);
}
