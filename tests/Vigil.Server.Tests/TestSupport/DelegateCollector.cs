using Vigil.Core.Storage;
using Vigil.Collection.Collectors;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>A collector whose collection is a test-supplied action.</summary>
internal sealed class DelegateCollector(string name, Action<IAppender, long> collect) : ICollector
{
    public string Name => name;

    public void Collect(IAppender appender, long timestampMs) => collect(appender, timestampMs);
}
