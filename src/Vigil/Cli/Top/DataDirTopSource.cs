using Vigil.PromQL.Engine;

namespace Vigil.Cli.Top;

/// <summary>
/// <c>vigil top --data-dir DIR</c>: evaluates the queries against a data directory, read-only; the directory is opened
/// anew for every refresh, so a server writing to it shows its latest samples.
/// </summary>
internal sealed class DataDirTopSource(IStorageProvider provider, string dataDir) : ITopSource
{
    private readonly PromQLEngine _engine = new();

    public string Name => Path.GetFullPath(dataDir);

    // Note: instant queries look back 5 minutes, as Prometheus's do; an older directory shows nothing.
    public string NoData => "No host, runtime or tool metrics of the last 5 minutes in this data directory.";

    public async Task<IReadOnlyList<List<(Dictionary<string, string> Labels, double Value)>>> QueryAsync(IReadOnlyList<string> exprs, long timeMs, CancellationToken ct)
    {
        var store = DataDirs.OpenReadOnly(provider, dataDir);
        try
        {
            var results = new List<List<(Dictionary<string, string>, double)>>(exprs.Count);
            foreach (string expr in exprs)
            {
                var found = new List<(Dictionary<string, string>, double)>();
                try
                {
                    if (_engine.InstantQuery(store, expr, timeMs, null, ct).Value is VectorValue vector)
                    {
                        found.AddRange(vector.Samples.Select(s => (s.Labels.ToDictionary(), s.V)));
                    }
                }
                catch (PromQLException e)
                {
                    throw new CliException($"query {expr} failed: {e.Message}");
                }
                results.Add(found);
            }
            return results;
        }
        finally
        {
            await ServeCommand.CloseAsync(store).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
    }
}
