namespace Vigil.Architecture.Tests;

/// <summary>
/// Which source project may reference which: the table of the design (docs/ARCHITECTURE.md). Each stage of the loop
/// sees storage only through Core's contracts; only the <c>vigil</c> executable wires the embedded TSDB in.
/// </summary>
internal static class ArchitectureRules
{
    /// <summary>Project → the projects it may reference directly.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Vigil.Core"] = [],
        ["Vigil.Tsdb"] = ["Vigil.Core"],
        ["Vigil.PromQL"] = ["Vigil.Core"],
        ["Vigil.Collection"] = ["Vigil.Core"],
        ["Vigil.Rules"] = ["Vigil.Core", "Vigil.PromQL"],
        ["Vigil.Analysis"] = ["Vigil.Core", "Vigil.PromQL"],
        ["Vigil.Optimizer"] = ["Vigil.Core", "Vigil.PromQL", "Vigil.Analysis"],
        ["Vigil.Server"] = ["Vigil.Core", "Vigil.PromQL", "Vigil.Collection", "Vigil.Rules", "Vigil.Analysis", "Vigil.Optimizer"],
        ["Vigil.Sdk"] = ["Vigil.Core", "Vigil.Analysis"],
        ["Vigil.Sdk.AspNetCore"] = ["Vigil.Sdk", "Vigil.Core", "Vigil.Analysis"],
        ["Vigil"] = ["Vigil.Core", "Vigil.Tsdb", "Vigil.PromQL", "Vigil.Collection", "Vigil.Rules", "Vigil.Analysis", "Vigil.Optimizer", "Vigil.Server", "Vigil.Sdk", "Vigil.Sdk.AspNetCore"],
    };

    /// <summary>The composition root: the one project that may reach the embedded TSDB.</summary>
    public const string CompositionRoot = "Vigil";

    /// <summary>Every breach of the table in <paramref name="graph"/>, one sentence each; empty when there is none.</summary>
    public static List<string> Violations(ProjectGraph graph)
    {
        var problems = new List<string>();
        foreach (var (project, references) in graph.References.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!Allowed.TryGetValue(project, out string[]? allowed))
            {
                problems.Add($"{project} is not in the design's table (add it to docs/ARCHITECTURE.md and {nameof(ArchitectureRules)})");
                continue;
            }
            foreach (string reference in references.Where(r => !allowed.Contains(r, StringComparer.Ordinal)))
            {
                problems.Add($"{project} references {reference}, which the design does not allow (allowed: {(allowed.Length == 0 ? "nothing" : string.Join(", ", allowed))})");
            }
            if (project != CompositionRoot && project != "Vigil.Tsdb" && graph.Closure(project).Contains("Vigil.Tsdb"))
            {
                problems.Add($"{project} reaches Vigil.Tsdb through its references; only {CompositionRoot} wires the TSDB in");
            }
        }
        return problems;
    }
}
