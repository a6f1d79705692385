using System.Security.Cryptography;
using System.Text;
using Vigil.Server.Dashboard;
using Vigil.Dashboard.Tests.TestSupport;

namespace Vigil.Dashboard.Tests;

public sealed class DashboardBundleTests
{
    private static string Dist => Path.Combine(RepoPaths.Root, "src", "Vigil.Server", "Dashboard", "dist");

    /// <summary>The inputs of web/build.sh, hashed as it hashes them.</summary>
    private static string SourceHash()
    {
        string web = Path.Combine(RepoPaths.Root, "web");
        var files = Directory.EnumerateFiles(Path.Combine(web, "src"), "*", SearchOption.AllDirectories)
            .Concat(new[] { "package.json", "package-lock.json", "tsconfig.json", "build.sh" }.Select(f => Path.Combine(web, f)))
            .Select(f => Path.GetRelativePath(web, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file));
            sha.AppendData([0]);
            sha.AppendData(File.ReadAllBytes(Path.Combine(web, file)));
            sha.AppendData([0]);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    [Fact]
    public void CommittedBundle_WasBuiltFromTheCurrentSources()
    {
        string recorded = File.ReadAllText(Path.Combine(Dist, "source.sha256")).Trim();
        Assert.True(recorded == SourceHash(),
            "src/Vigil.Server/Dashboard/dist is older than web/: run web/build.sh and commit the bundle");
    }

    [Fact]
    public void EmbeddedAssets_AreTheCommittedBundle()
    {
        var assets = DashboardAssets.Instance;
        var files = Directory.GetFiles(Dist).Select(Path.GetFileName).Where(f => f != "source.sha256").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, assets.Names.Order(StringComparer.Ordinal));
        foreach (string file in files!)
        {
            Assert.True(assets.TryGet(file!, out var asset));
            Assert.Equal(File.ReadAllBytes(Path.Combine(Dist, file!)), asset.Content);
        }
    }

    [Fact]
    public void Bundle_IsMinifiedAndSelfContained()
    {
        string js = File.ReadAllText(Path.Combine(Dist, "app.js"));
        string html = File.ReadAllText(Path.Combine(Dist, "index.html"));
        Assert.True(js.Length < 150_000, $"app.js is {js.Length} bytes");
        Assert.True(js.Count(c => c == '\n') < 20, "app.js is not minified");
        // No CDN or other host at run time: the page loads only its own assets.
        Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", html);
        Assert.Contains("src=\"/assets/app.js\"", html, StringComparison.Ordinal);
    }
}
