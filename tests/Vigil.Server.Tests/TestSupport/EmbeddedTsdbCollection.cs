namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// Test classes whose fixtures run a server over the embedded TSDB: they run one after another, because the TSDB's
/// meters are process-wide and a second database alive at the same time would show up in the first one's self metrics.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EmbeddedTsdbCollection
{
    public const string Name = "embedded TSDB servers";
}
