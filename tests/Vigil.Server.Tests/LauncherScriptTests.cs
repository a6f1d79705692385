using System.Diagnostics;

namespace Vigil.Server.Tests;

/// <summary>
/// The repository's <c>./vigil</c> launcher, run against a scratch copy of the repository layout with a
/// recording stand-in for <c>dotnet</c> on PATH, so the tests see exactly when it decides to build.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LauncherScriptTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vigil-launcher-").FullName;
    private readonly string _buildLog;
    private readonly string _exe;

    public LauncherScriptTests()
    {
        string repo = FindRepositoryRoot();
        File.Copy(Path.Combine(repo, "vigil"), Path.Combine(_root, "vigil"));
        File.SetUnixFileMode(Path.Combine(_root, "vigil"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(_root, "samples"));
        Write("src/Vigil/Program.cs", "// source");
        Write("src/Vigil.Sdk/Meter.cs", "// source");

        _buildLog = Path.Combine(_root, "dotnet-calls.log");
        string fakeBin = Path.Combine(_root, "fakebin");
        Directory.CreateDirectory(fakeBin);
        string fakeDotnet = Path.Combine(fakeBin, "dotnet");
        File.WriteAllText(fakeDotnet, $"#!/bin/sh\necho \"$*\" >> '{_buildLog}'\n");
        File.SetUnixFileMode(fakeDotnet, (UnixFileMode)0b111_101_101);

        _exe = Path.Combine(_root, "src/Vigil/bin/Release/net10.0/vigil");
        Write("src/Vigil/bin/Release/net10.0/vigil", "#!/bin/sh\necho \"vigil ran: $*\"\n");
        File.SetUnixFileMode(_exe, (UnixFileMode)0b111_101_101);
        // The executable is newer than every source, as right after a build.
        var built = DateTime.UtcNow.AddMinutes(-1);
        foreach (var f in Directory.EnumerateFiles(Path.Combine(_root, "src"), "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(f, built.AddMinutes(-5));
        }
        File.SetLastWriteTimeUtc(_exe, built);
    }

    [Fact]
    public void Launcher_GeneratedFilesInObjAndBinAreNewer_DoesNotBuild()
    {
        // What building any app that references the SDK projects leaves behind.
        Write("src/Vigil.Sdk/obj/Debug/net10.0/Vigil.Sdk.AssemblyInfo.cs", "// generated");
        Write("src/Vigil.Sdk/bin/Debug/net10.0/Generated.cs", "// generated");

        var (code, stdout, stderr) = Run("--version");

        Assert.Equal(0, code);
        Assert.Equal("vigil ran: --version", stdout.Trim());
        Assert.False(File.Exists(_buildLog), $"the launcher ran dotnet: {ReadLog()}\n{stderr}");
    }

    [Fact]
    public void Launcher_SourceChanged_BuildsOnceThenNotAgain()
    {
        Write("src/Vigil.Sdk/NewFile.cs", "// edited");

        var first = Run("--version");
        var second = Run("--version");

        Assert.Equal(0, first.Code);
        Assert.Contains("building", first.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, second.Code);
        Assert.Equal("vigil ran: --version", second.Stdout.Trim());
        string[] calls = File.ReadAllLines(_buildLog);
        Assert.Single(calls);
        Assert.StartsWith("build ", calls[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Launcher_ProjectFileChanged_Builds()
    {
        Write("src/Vigil/Vigil.csproj", "<Project />");

        Run("--help");

        Assert.True(File.Exists(_buildLog), "a changed project file must trigger a build");
    }

    private string ReadLog() => File.Exists(_buildLog) ? File.ReadAllText(_buildLog) : string.Empty;

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(_root, "vigil"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["PATH"] = Path.Combine(_root, "fakebin") + ":" + Environment.GetEnvironmentVariable("PATH");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(30_000), "the launcher did not finish within 30 s");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Vigil.slnx")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("Vigil.slnx not found above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
