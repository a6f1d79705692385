namespace Vigil.Architecture.Tests;

public class ProjectReferenceTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("No Vigil.slnx above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void SourceProjects_AsCommitted_ReferenceOnlyWhatTheDesignAllows()
    {
        var problems = ArchitectureRules.Violations(ProjectGraph.Load(RepositoryRoot()));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void SourceProjects_AsCommitted_AreExactlyTheProjectsOfTheTable()
    {
        var graph = ProjectGraph.Load(RepositoryRoot());

        Assert.Equal(ArchitectureRules.Allowed.Keys.Order(StringComparer.Ordinal), graph.References.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Vigil.Collection")]
    [InlineData("Vigil.Rules")]
    [InlineData("Vigil.Analysis")]
    [InlineData("Vigil.Optimizer")]
    [InlineData("Vigil.Server")]
    public void Closure_StageOfTheLoop_SeesCoreButNeverTsdb(string project)
    {
        var closure = ProjectGraph.Load(RepositoryRoot()).Closure(project);

        Assert.Contains("Vigil.Core", closure);
        Assert.DoesNotContain("Vigil.Tsdb", closure);
    }

    [Fact]
    public void Closure_CompositionRoot_ReachesEveryStage()
    {
        var closure = ProjectGraph.Load(RepositoryRoot()).Closure(ArchitectureRules.CompositionRoot);

        Assert.Superset(new HashSet<string>(["Vigil.Core", "Vigil.Tsdb", "Vigil.PromQL", "Vigil.Collection", "Vigil.Rules", "Vigil.Analysis", "Vigil.Optimizer", "Vigil.Server"]), new HashSet<string>(closure));
    }

    [Fact]
    public void Violations_SidewaysAndTsdbReferences_AreReportedByName()
    {
        string root = Path.Combine(Path.GetTempPath(), "vigil-arch-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteProject(root, "Vigil.Core");
            WriteProject(root, "Vigil.Tsdb", "Vigil.Core");
            WriteProject(root, "Vigil.Collection", "Vigil.Core");
            WriteProject(root, "Vigil.Rules", "Vigil.Core", "Vigil.Collection", "Vigil.Tsdb");
            WriteProject(root, "Vigil.Extra", "Vigil.Core");

            var problems = ArchitectureRules.Violations(ProjectGraph.Load(root));

            Assert.Equal(
            [
                "Vigil.Extra is not in the design's table (add it to docs/ARCHITECTURE.md and ArchitectureRules)",
                "Vigil.Rules references Vigil.Collection, which the design does not allow (allowed: Vigil.Core, Vigil.PromQL)",
                "Vigil.Rules references Vigil.Tsdb, which the design does not allow (allowed: Vigil.Core, Vigil.PromQL)",
                "Vigil.Rules reaches Vigil.Tsdb through its references; only Vigil wires the TSDB in",
            ], problems);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Violations_TsdbReachedThroughAnAllowedReference_IsReported()
    {
        string root = Path.Combine(Path.GetTempPath(), "vigil-arch-" + Guid.NewGuid().ToString("N"));
        try
        {
            WriteProject(root, "Vigil.Core", "Vigil.Tsdb");
            WriteProject(root, "Vigil.Tsdb");
            WriteProject(root, "Vigil.PromQL", "Vigil.Core");

            var problems = ArchitectureRules.Violations(ProjectGraph.Load(root));

            Assert.Contains("Vigil.PromQL reaches Vigil.Tsdb through its references; only Vigil wires the TSDB in", problems);
            Assert.Contains("Vigil.Core references Vigil.Tsdb, which the design does not allow (allowed: nothing)", problems);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void WriteProject(string root, string name, params string[] references)
    {
        string dir = Path.Combine(root, "src", name);
        Directory.CreateDirectory(dir);
        string items = string.Concat(references.Select(r => $"    <ProjectReference Include=\"../{r}/{r}.csproj\" />\n"));
        File.WriteAllText(Path.Combine(dir, name + ".csproj"),
            $"<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n{items}    <ProjectReference Include=\"../../samples/Demo/Demo.csproj\" />\n  </ItemGroup>\n</Project>\n");
    }
}
