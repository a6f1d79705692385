using System.Text;
using Vigil.Dashboard.Tests.TestSupport;
using Vigil.Server.Security;

namespace Vigil.Dashboard.Tests;

/// <summary>docs/SECURITY.md lists every route with its scope exactly as the server's route table declares them.</summary>
[Collection(DashboardCollection.Name)]
public sealed class SecurityDocsTests(DashboardServer server)
{
    private const string Begin = "<!-- routes:begin (generated from the route table; SecurityDocsTests checks it) -->";
    private const string End = "<!-- routes:end -->";

    [Fact]
    public void SecurityMd_RouteTable_MatchesTheServer()
    {
        var expected = new StringBuilder();
        expected.Append("| Scope | Method | Path | What |\n|---|---|---|---|\n");
        foreach (var route in server.Server.Routes.OrderBy(r => r.Scope).ThenBy(r => r.Pattern, StringComparer.Ordinal))
        {
            expected.Append($"| {route.Scope.Name()} | {string.Join(", ", route.Methods)} | `{route.Pattern}` | {route.Description} |\n");
        }
        string doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "SECURITY.md")).ReplaceLineEndings("\n");
        int begin = doc.IndexOf(Begin, StringComparison.Ordinal);
        int end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"docs/SECURITY.md needs the markers {Begin} and {End}");
        string actual = doc[(begin + Begin.Length)..end].Trim('\n') + "\n";
        Assert.True(expected.ToString() == actual, "docs/SECURITY.md's route table differs from the server's; replace it with:\n" + expected);
    }
}
