using System.Text.Json;

namespace Vigil.Analysis.Insights;

/// <summary>
/// The insights a server keeps in its data directory (<c>insights/insights.json</c>), read without the server: what
/// <c>vigil analyze --data-dir</c> shows offline.
/// </summary>
public static class InsightFile
{
    /// <summary>The file inside <paramref name="dataDirectory"/>.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, InsightStore.DirectoryName, InsightStore.FileName);

    /// <summary>
    /// The saved insights in the API's order (active first, then the highest severity, then the latest update), or
    /// null when the directory holds no insights file (analysis never ran there).
    /// </summary>
    /// <exception cref="JsonException">The file is not the insights JSON.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<PerformanceInsight>? Read(string dataDirectory)
    {
        string path = PathIn(dataDirectory);
        if (!File.Exists(path))
        {
            return null;
        }
        // Note: the server replaces the file atomically (write, then rename), so a reader sees one whole version.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return InsightStore.Ordered(JsonSerializer.Deserialize(stream, InsightJson.Default.ListPerformanceInsight) ?? []);
    }

    /// <summary>Writes one insight as <c>/api/v1/insights</c> does.</summary>
    public static void Write(Utf8JsonWriter writer, PerformanceInsight insight)
        => JsonSerializer.Serialize(writer, insight, InsightJson.Writer.PerformanceInsight);
}
