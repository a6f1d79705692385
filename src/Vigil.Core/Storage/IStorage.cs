namespace Vigil.Core.Storage;

/// <summary>Opens queriers. Thread-safe.</summary>
public interface ISampleQueryable
{
    /// <summary>Opens a querier over the inclusive range [<paramref name="mint"/>, <paramref name="maxt"/>] in milliseconds.</summary>
    IQuerier Querier(long mint, long maxt);
}

/// <summary>A full storage: append and query. The TSDB and remote backends implement this.</summary>
public interface IStorage : IAppendable, ISampleQueryable
{
    /// <summary>The oldest timestamp the storage holds, or <see cref="long.MaxValue"/> when empty.</summary>
    long StartTime { get; }
}
