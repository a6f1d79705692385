using System.Diagnostics;
using System.Text;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Release;

/// <summary>
/// Runs <c>build/publish.sh</c> once, with a version no other build uses, into a temporary folder: the SDK packages, the
/// .NET tool, the single-file executable and the Debian package that <see cref="ReleaseArtifactsTests"/> installs.
/// This is the slow part (a few minutes: packing, a ReadyToRun single-file publish and dpkg-deb).
/// </summary>
public sealed class ReleaseArtifactsFixture : IAsyncLifetime
{
    /// <summary>A prerelease version of this run, so no package cache can hold an older build of the same version.</summary>
    public string Version { get; } = "0.0.1-test." + DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The folder publish.sh wrote into (the feed for the packages).</summary>
    public string Dist { get; } = Directory.CreateTempSubdirectory("vigil-dist-").FullName;

    /// <summary>The checkout's root.</summary>
    public string Root { get; } = RepoRoot.Path;

    /// <summary>How long publish.sh took.</summary>
    public TimeSpan PublishTime { get; private set; }

    public string SingleFile => Path.Combine(Dist, $"vigil-{Version}-linux-x64", "vigil");

    public string Deb => Path.Combine(Dist, $"vigil_{Version}_amd64.deb");

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        var (code, output) = await RunAsync(Root, TimeSpan.FromMinutes(20), Path.Combine(Root, "build", "publish.sh"), "--version", Version, "--out", Dist);
        PublishTime = watch.Elapsed;
        Assert.True(code == 0, "build/publish.sh failed:\n" + output);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Dist, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs a program to its end; returns its exit code and its output and error together.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string workingDirectory, TimeSpan timeout, string fileName, params string[] args)
        => await RunAsync(workingDirectory, timeout, new Dictionary<string, string>(), fileName, args);

    /// <summary>Runs a program with extra environment variables to its end; returns its exit code and its output and error together.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }
        var output = new StringBuilder();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', args)} did not finish within {timeout}:\n{output}");
        }
        lock (output)
        {
            return (p.ExitCode, output.ToString());
        }
    }
}
