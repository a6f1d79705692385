namespace Vigil.Dashboard.Tests.TestSupport;

/// <summary>The browser tests share one server and one browser.</summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardServer>
{
    public const string Name = "dashboard";
}
