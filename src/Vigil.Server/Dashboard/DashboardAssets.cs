using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace Vigil.Server.Dashboard;

/// <summary>
/// The dashboard's files, embedded in this assembly from <c>Dashboard/dist</c> (built by <c>web/build.sh</c>), read
/// once and compressed once. Thread-safe after construction.
/// </summary>
internal sealed class DashboardAssets
{
    /// <summary>The manifest-resource prefix set by the project file's <c>LogicalName</c>.</summary>
    public const string ResourcePrefix = "Vigil.Server.Dashboard/";

    private static readonly Lazy<DashboardAssets> Embedded = new(() => Load(typeof(DashboardAssets).Assembly));

    private readonly Dictionary<string, DashboardAsset> _assets;

    private DashboardAssets(Dictionary<string, DashboardAsset> assets) => _assets = assets;

    /// <summary>The bundle in this assembly.</summary>
    public static DashboardAssets Instance => Embedded.Value;

    /// <summary>File names in the bundle, e.g. <c>index.html</c>, <c>app.js</c>.</summary>
    public IEnumerable<string> Names => _assets.Keys;

    public bool TryGet(string name, out DashboardAsset asset) => _assets.TryGetValue(name, out asset!);

    /// <summary>Reads every resource under <see cref="ResourcePrefix"/>; throws when the bundle is missing its page.</summary>
    internal static DashboardAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            string name = resource[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded resource {resource} cannot be opened");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] content = buffer.ToArray();
            assets.Add(name, new DashboardAsset(name, content, Gzip(content), ContentType(name), ETag(content)));
        }
        if (!assets.ContainsKey("index.html"))
        {
            throw new InvalidOperationException($"the dashboard bundle is missing from {assembly.GetName().Name}: no {ResourcePrefix}index.html resource (run web/build.sh)");
        }
        return new DashboardAssets(assets);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".json" => "application/json",
        _ => "text/plain; charset=utf-8",
    };

    private static string ETag(byte[] content)
        => "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";

    private static byte[]? Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }
        return output.Length < content.Length ? output.ToArray() : null;
    }
}
