namespace Vigil.Collection.Collectors.Host;

/// <summary>One part of the host collector, named like the node_exporter collector it mirrors (<c>cpu</c>, <c>meminfo</c>, ...).</summary>
internal interface IHostSubsystem
{
    /// <summary>The node_exporter collector name, used in <c>node_scrape_collector_success{collector}</c>.</summary>
    string Name { get; }

    /// <summary>Reads the kernel's statistics and writes samples; throws when the source cannot be read.</summary>
    void Collect(SampleWriter writer);
}
