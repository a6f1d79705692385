using System.Xml.Linq;

namespace Vigil.Architecture.Tests;

/// <summary>The source projects under <c>src/</c> and the projects each one references, read from their .csproj files.</summary>
internal sealed class ProjectGraph
{
    private ProjectGraph(IReadOnlyDictionary<string, IReadOnlyList<string>> references) => References = references;

    /// <summary>Project name (the .csproj file name without extension) → the source projects it references directly.</summary>
    /// <remarks>References to projects outside <c>src/</c> (samples, tests) are left out: the rules concern the source projects.</remarks>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> References { get; }

    /// <summary>Reads every <c>src/*/*.csproj</c> below <paramref name="repositoryRoot"/>.</summary>
    public static ProjectGraph Load(string repositoryRoot)
    {
        string src = Path.Combine(repositoryRoot, "src");
        var projects = Directory.GetDirectories(src)
            .SelectMany(d => Directory.GetFiles(d, "*.csproj"))
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), p => p, StringComparer.Ordinal);
        var references = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (name, path) in projects)
        {
            string dir = Path.GetDirectoryName(path)!;
            references[name] = XDocument.Load(path).Descendants("ProjectReference")
                .Select(e => (string?)e.Attribute("Include") ?? string.Empty)
                .Select(include => Path.GetFullPath(Path.Combine(dir, include.Replace('\\', '/'))))
                .Where(full => full.StartsWith(Path.GetFullPath(src) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Select(full => Path.GetFileNameWithoutExtension(full))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        return new ProjectGraph(references);
    }

    /// <summary>Every project <paramref name="project"/> reaches through references, directly or not.</summary>
    public IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([project]);
        while (stack.Count > 0)
        {
            foreach (string next in References.GetValueOrDefault(stack.Pop(), []))
            {
                if (seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }
        return seen;
    }
}
