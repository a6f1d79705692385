using System.Globalization;
using System.Text.Json;
using Vigil.Analysis.Nab;

namespace Vigil.Analysis.Tests;

/// <summary>Loads the NAB files of <c>shared/testdata/nab</c> for the scorer and detector tests.</summary>
internal static class NabTestData
{
    private static readonly Lazy<IReadOnlyList<NabSeries>> s_corpus = new(LoadCorpus);

    public static string Dir => TestData.PathOf("nab");

    /// <summary>All files of the folder, in ordinal name order.</summary>
    public static IReadOnlyList<NabSeries> Corpus => s_corpus.Value;

    public static NabSeries File(string name)
    {
        foreach (var s in Corpus)
        {
            if (s.Name == name)
            {
                return s;
            }
        }
        throw new FileNotFoundException($"no NAB file {name} in {Dir}");
    }

    /// <summary>The anomaly_score column of a published detector's results for a file, in row order.</summary>
    public static double[] ReferenceScores(string detector, string name)
    {
        var lines = System.IO.File.ReadAllLines(Path.Combine(Dir, "reference_results", detector, name));
        var header = lines[0].Split(',');
        int col = Array.IndexOf(header, "anomaly_score");
        var scores = new double[lines.Length - 1];
        for (int i = 1; i < lines.Length; i++)
        {
            scores[i - 1] = double.Parse(lines[i].Split(',')[col], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return scores;
    }

    private static IReadOnlyList<NabSeries> LoadCorpus()
    {
        using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Dir, "labels", "combined_windows.json")));
        var result = new List<NabSeries>();
        foreach (var file in doc.RootElement.EnumerateObject())
        {
            string path = Path.Combine(Dir, "data", file.Name);
            if (!System.IO.File.Exists(path))
            {
                continue;
            }
            var windows = new List<NabWindow>();
            foreach (var w in file.Value.EnumerateArray())
            {
                windows.Add(new NabWindow(ParseTime(w[0].GetString()!), ParseTime(w[1].GetString()!)));
            }
            var lines = System.IO.File.ReadAllLines(path);
            var ts = new DateTime[lines.Length - 1];
            var values = new double[lines.Length - 1];
            for (int i = 1; i < lines.Length; i++)
            {
                var parts = lines[i].TrimEnd('\r').Split(',');
                ts[i - 1] = ParseTime(parts[0]);
                values[i - 1] = double.Parse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            result.Add(new NabSeries(file.Name, ts, values, windows));
        }
        result.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return result;
    }

    private static DateTime ParseTime(string s)
        => DateTime.ParseExact(s, ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.ffffff"], CultureInfo.InvariantCulture, DateTimeStyles.None);
}
