namespace Vigil.PromQL.Engine;

/// <summary>The outcome of a successful query: the value, its annotations and how many samples it loaded.</summary>
/// <remarks>
/// A matrix value may hold point buffers borrowed from the engine's pool: <see cref="Dispose"/> gives them back, after
/// which <see cref="Value"/> must not be read. Not disposing is safe; the buffers are then left to the garbage collector.
/// </remarks>
public sealed class QueryResult(QueryValue value, IReadOnlyList<string> warnings, IReadOnlyList<string> infos, long samplesLoaded, int peakSamples = 0)
    : IDisposable
{
    private bool _disposed;

    /// <summary>The value.</summary>
    public QueryValue Value { get; } = value;

    /// <summary>Warnings as Prometheus renders them, e.g. <c>PromQL warning: ... (1:8)</c>.</summary>
    public IReadOnlyList<string> Warnings { get; } = warnings;

    /// <summary>Info annotations, e.g. <c>PromQL info: metric might not be a counter ... (1:6)</c>.</summary>
    public IReadOnlyList<string> Infos { get; } = infos;

    /// <summary>Total samples read from storage (and produced by subqueries) during evaluation.</summary>
    public long SamplesLoaded { get; } = samplesLoaded;

    /// <summary>The most samples the evaluation held in memory at once (what the max-samples limit is checked against).</summary>
    public int PeakSamples { get; } = peakSamples;

    /// <summary>Returns pooled point buffers of a matrix value; the value must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (Value is MatrixValue { Pooled: true } m)
        {
            foreach (var s in m.Series)
            {
                PointPool.Return(s.Buffer);
            }
        }
    }
}
