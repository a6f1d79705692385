using Vigil.Core.Storage;
using Vigil.Tsdb.Head;

namespace Vigil.PromQL.Tests;

/// <summary>The real TSDB head (in memory, no WAL) behind the <see cref="IStorage"/> contract, for the promqltest runner.</summary>
internal sealed class HeadStorage : IStorage
{
    private readonly Head _head = new();

    public long StartTime => _head.MinTime;

    public IAppender Appender() => _head.Appender();

    public IQuerier Querier(long mint, long maxt) => _head.Querier(mint, maxt);
}
