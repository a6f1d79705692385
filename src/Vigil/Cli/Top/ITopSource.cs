namespace Vigil.Cli.Top;

/// <summary>Where <c>vigil top</c> reads: a running server, or a data directory offline.</summary>
internal interface ITopSource : IDisposable
{
    /// <summary>What the header names: the server's URL or the data directory.</summary>
    string Name { get; }

    /// <summary>The line shown when no query found anything.</summary>
    string NoData { get; }

    /// <summary>
    /// Evaluates every instant query of <paramref name="exprs"/> at <paramref name="timeMs"/> (milliseconds since the
    /// epoch); one list of (labels, value) per expression, in order. Throws <see cref="CliException"/> when it cannot.
    /// </summary>
    Task<IReadOnlyList<List<(Dictionary<string, string> Labels, double Value)>>> QueryAsync(IReadOnlyList<string> exprs, long timeMs, CancellationToken ct);
}
