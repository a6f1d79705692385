using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vigil.Server.Tests.TestSupport;
using Xunit.Abstractions;

namespace Vigil.Server.Tests.Release;

/// <summary>
/// The release artifacts of <c>build/publish.sh</c>, installed as a user would: the SDK packages from a folder feed in a
/// fresh app, the .NET tool, the single-file executable and the Debian package. Slow (publish.sh runs once for the
/// class; see <see cref="ReleaseArtifactsFixture"/>).
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class ReleaseArtifactsTests(ReleaseArtifactsFixture release, ITestOutputHelper log) : IClassFixture<ReleaseArtifactsFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    [Fact]
    public void SdkPackages_CarryReadmeXmlDocsSymbolsAndMetadata()
    {
        foreach (string id in new[] { "Vigil.Core", "Vigil.PromQL", "Vigil.Analysis", "Vigil.Sdk", "Vigil.Sdk.AspNetCore" })
        {
            string package = Path.Combine(release.Dist, $"{id}.{release.Version}.nupkg");
            Assert.True(File.Exists(Path.Combine(release.Dist, $"{id}.{release.Version}.snupkg")), id + ": no symbols package");
            using var zip = ZipFile.OpenRead(package);
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", names);
            Assert.Contains($"lib/net10.0/{id}.dll", names);
            Assert.Contains($"lib/net10.0/{id}.xml", names);
            using var nuspec = new StreamReader(zip.GetEntry(id + ".nuspec")!.Open());
            string text = nuspec.ReadToEnd();
            Assert.Contains($"<version>{release.Version}</version>", text, StringComparison.Ordinal);
            Assert.Matches("<description>.{20,}</description>", text);
            Assert.Contains("<readme>README.md</readme>", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SdkPackages_FreshAppFromFolderFeed_ServesMetricsAndExportsOverOtlp()
    {
        string app = Directory.CreateTempSubdirectory("vigil-fresh-app-").FullName;
        try
        {
            await using var vigil = new VigilServer(new VigilServerOptions { Listen = new ListenAddress("127.0.0.1", 0), CollectHost = false, CollectSelf = false }, new MemoryStorage());
            await vigil.StartAsync();
            await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), await NuGetConfigAsync(release.Dist));
            await File.WriteAllTextAsync(Path.Combine(app, "FreshApp.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk.Web">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <RestorePackagesPath>packages</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Vigil.Sdk.AspNetCore" Version="{release.Version}" />
                    <PackageReference Include="OpenTelemetry" Version="1.21.0" />
                    <PackageReference Include="OpenTelemetry.Exporter.OpenTelemetryProtocol" Version="1.21.0" />
                  </ItemGroup>
                </Project>
                """);
            // The app of docs/SDK.md: Vigil.Sdk's endpoints on ASP.NET Core, and the same instruments exported over OTLP.
            await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), """
                using OpenTelemetry;
                using OpenTelemetry.Exporter;
                using OpenTelemetry.Metrics;
                using OpenTelemetry.Resources;
                using Vigil.Sdk.AspNetCore;
                using Vigil.Sdk.Profiling;

                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddVigilSdk();
                var app = builder.Build();
                var profiler = app.Services.GetRequiredService<ToolProfiler>();
                using var meters = Sdk.CreateMeterProviderBuilder()
                    .ConfigureResource(r => r.AddService("fresh-app", serviceNamespace: "release"))
                    .AddMeter(profiler.Meter.Name)
                    .AddOtlpExporter((o, reader) =>
                    {
                        o.Protocol = OtlpExportProtocol.HttpProtobuf;
                        o.Endpoint = new Uri(Environment.GetEnvironmentVariable("VIGIL_OTLP_URL")!);
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 500;
                    })
                    .Build();
                app.MapVigilMetrics();
                app.MapGet("/work", () => { profiler.Run("search", run => run.CacheHit()); return "done"; });
                app.Run();
                """);
            var (code, output) = await ReleaseArtifactsFixture.RunAsync(app, Long, "dotnet", "build", "-c", "Release", "-nologo", "-v", "q", "-o", "out");
            Assert.True(code == 0, "the fresh app did not build:\n" + output);

            // Vigil's packages came from the folder feed as packages (no project reference can reach them here).
            using (var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(app, "obj", "project.assets.json"))))
            {
                foreach (string id in new[] { "Vigil.Sdk.AspNetCore", "Vigil.Sdk", "Vigil.Core", "Vigil.Analysis", "Vigil.PromQL" })
                {
                    Assert.Equal("package", assets.RootElement.GetProperty("libraries").GetProperty($"{id}/{release.Version}").GetProperty("type").GetString());
                }
            }
            Assert.True(File.Exists(Path.Combine(app, "packages", "vigil.sdk", release.Version, $"vigil.sdk.{release.Version}.nupkg")));

            int port = Processes.FreePort();
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = app, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(app, "out", "FreshApp.dll"));
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add($"http://127.0.0.1:{port}");
            psi.Environment["VIGIL_OTLP_URL"] = new Uri(vigil.BaseAddress, "v1/metrics").ToString();
            using var process = Process.Start(psi)!;
            var appOutput = new System.Text.StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (appOutput) { appOutput.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (appOutput) { appOutput.AppendLine(e.Data); } };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
                await Processes.WaitForHttpAsync(http, "metrics", process, () => { lock (appOutput) { return appOutput.ToString(); } }, TimeSpan.FromSeconds(60));
                for (int i = 0; i < 3; i++)
                {
                    Assert.Equal("done", await http.GetStringAsync("work"));
                }
                string metrics = await http.GetStringAsync("metrics");
                Assert.Matches(@"vigil_tool_runs_total\{[^}]*tool=""search""[^}]*\} 3", metrics);

                // The same runs reach Vigil over OTLP, under the app's service name.
                using var vigilHttp = new HttpClient { BaseAddress = vigil.BaseAddress };
                double runs = 0;
                await Poll.UntilAsync(async () =>
                {
                    using var doc = JsonDocument.Parse(await vigilHttp.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString("sum(vigil_tool_runs_total{job=\"release/fresh-app\",tool=\"search\"})")));
                    var result = doc.RootElement.GetProperty("data").GetProperty("result");
                    runs = result.GetArrayLength() == 0 ? 0 : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                    return runs == 3;
                }, () => $"runs seen by Vigil: {runs}", TimeSpan.FromSeconds(60));
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public async Task Tool_InstalledFromTheFeed_RunsAndServes()
    {
        string dir = Directory.CreateTempSubdirectory("vigil-tool-").FullName;
        try
        {
            // Only the dist folder as a source: installing the tool asks no registry.
            string config = Path.Combine(dir, "nuget.config");
            await File.WriteAllTextAsync(config, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources><clear /><add key="vigil-dist" value="{release.Dist}" /></packageSources>
                </configuration>
                """);
            var (code, output) = await ReleaseArtifactsFixture.RunAsync(dir, Long, "dotnet", "tool", "install", "vigil", "--tool-path", Path.Combine(dir, "tools"),
                "--add-source", release.Dist, "--configfile", config, "--version", release.Version);
            Assert.True(code == 0, "dotnet tool install failed:\n" + output);
            string vigil = Path.Combine(dir, "tools", "vigil");
            (code, output) = await ReleaseArtifactsFixture.RunAsync(dir, TimeSpan.FromMinutes(1), vigil, "--version");
            Assert.True(code == 0, output);
            Assert.StartsWith(release.Version, output.Trim(), StringComparison.Ordinal);
            await StartAndWaitReadyAsync(vigil, dir, new Dictionary<string, string>(), "the tool");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task SingleFile_SelfContained_StartsToReady()
    {
        Assert.True(File.Exists(release.SingleFile));
        Assert.Equal([Path.GetFileName(release.SingleFile)], Directory.GetFiles(Path.GetDirectoryName(release.SingleFile)!).Select(Path.GetFileName));
        string dir = Directory.CreateTempSubdirectory("vigil-single-").FullName;
        try
        {
            // Note: no dotnet on the PATH and no DOTNET_ROOT: the file carries its runtime.
            var environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["DOTNET_ROOT"] = "/nonexistent" };
            var (code, output) = await ReleaseArtifactsFixture.RunAsync(dir, TimeSpan.FromMinutes(1), environment, release.SingleFile, "--version");
            Assert.True(code == 0, output);
            Assert.StartsWith(release.Version, output.Trim(), StringComparison.Ordinal);
            var ready = await StartAndWaitReadyAsync(release.SingleFile, dir, environment, "the single-file executable");
            log.WriteLine($"single-file vigil: start to ready {ready.TotalMilliseconds:0} ms (publish.sh took {release.PublishTime.TotalSeconds:0} s)");
            Assert.True(ready < TimeSpan.FromSeconds(30), $"start to ready took {ready}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Deb_InstallStartRemove()
    {
        Assert.True(Environment.UserName == "root", "installing a Debian package needs root (./test.sh runs as root)");
        await RunOkAsync("dpkg", "--purge", "vigil");
        var (code, output) = await ReleaseArtifactsFixture.RunAsync("/", Long, "dpkg", "-i", release.Deb);
        Assert.True(code == 0, "dpkg -i failed:\n" + output);
        try
        {
            Assert.True(File.Exists("/usr/bin/vigil"));
            Assert.True(File.Exists("/etc/vigil/vigil.yaml"));
            string unit = await File.ReadAllTextAsync("/lib/systemd/system/vigil.service");
            foreach (string option in new[] { "User=vigil", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=", "ReadWritePaths=/var/lib/vigil" })
            {
                Assert.Contains(option + "\n", unit, StringComparison.Ordinal);
            }
            // systemd's own check of the installed unit: its options are known, its user and ExecStart exist.
            (code, output) = await ReleaseArtifactsFixture.RunAsync("/", TimeSpan.FromMinutes(1), "systemd-analyze", "verify", "/lib/systemd/system/vigil.service");
            Assert.True(code == 0, "systemd-analyze verify vigil.service:\n" + output);
            (code, output) = await ReleaseArtifactsFixture.RunAsync("/", TimeSpan.FromMinutes(1), "id", "-u", "vigil");
            Assert.True(code == 0, "no vigil user: " + output);
            (code, output) = await ReleaseArtifactsFixture.RunAsync("/", TimeSpan.FromMinutes(1), "stat", "-c", "%U %a", "/var/lib/vigil");
            Assert.Equal("vigil 750", output.Trim());
            (code, output) = await ReleaseArtifactsFixture.RunAsync("/", TimeSpan.FromMinutes(1), "/usr/bin/vigil", "check", "config", "/etc/vigil/vigil.yaml");
            Assert.True(code == 0, output);

            if (Directory.Exists("/run/systemd/system"))
            {
                // postinst enabled and started the unit on Vigil's default port.
                using var http = new HttpClient();
                await Poll.UntilAsync(async () => (await http.GetAsync("http://127.0.0.1:9612/-/ready")).IsSuccessStatusCode, timeout: TimeSpan.FromSeconds(60));
            }
            else
            {
                // No systemd here: start what the unit's ExecStart runs, as its user, on a free port.
                string execStart = ExecStart().Match(unit).Groups[1].Value.Trim();
                string[] command = execStart.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int port = Processes.FreePort();
                var psi = new ProcessStartInfo("runuser") { WorkingDirectory = "/", RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string a in (string[])["-u", "vigil", "--", .. command, "--listen", $"127.0.0.1:{port}"])
                {
                    psi.ArgumentList.Add(a);
                }
                psi.Environment["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = "/var/lib/vigil/.bundle";
                using var process = Process.Start(psi)!;
                var err = process.StandardError.ReadToEndAsync();
                try
                {
                    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                    await Processes.WaitForHttpAsync(http, $"http://127.0.0.1:{port}/-/ready", process, () => "(see stderr after exit)", TimeSpan.FromSeconds(60));
                    using var doc = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/status/flags"));
                    Assert.Equal("/var/lib/vigil", doc.RootElement.GetProperty("data").GetProperty("data-dir").GetString());
                    (code, output) = await ReleaseArtifactsFixture.RunAsync("/", TimeSpan.FromMinutes(1), "stat", "-c", "%U", "/var/lib/vigil/wal");
                    Assert.Equal("vigil", output.Trim());
                }
                finally
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    log.WriteLine(await err);
                }
            }
        }
        finally
        {
            (code, output) = await ReleaseArtifactsFixture.RunAsync("/", Long, "dpkg", "--purge", "vigil");
            Assert.True(code == 0, "dpkg --purge failed:\n" + output);
        }
        Assert.False(File.Exists("/usr/bin/vigil"));
        Assert.False(Directory.Exists("/var/lib/vigil"));
        Assert.NotEqual(0, (await ReleaseArtifactsFixture.RunAsync("/", TimeSpan.FromMinutes(1), "id", "-u", "vigil")).Code);
    }

    [GeneratedRegex(@"^ExecStart=(.+)$", RegexOptions.Multiline)]
    private static partial Regex ExecStart();

    private static async Task RunOkAsync(string fileName, params string[] args)
        => await ReleaseArtifactsFixture.RunAsync("/", Long, fileName, args);

    /// <summary>Starts <c>vigil serve</c> on a free port with its data under <paramref name="dir"/>; returns the time from start to <c>/-/ready</c>.</summary>
    private static async Task<TimeSpan> StartAndWaitReadyAsync(string vigil, string dir, IReadOnlyDictionary<string, string> environment, string what)
    {
        int port = Processes.FreePort();
        var psi = new ProcessStartInfo(vigil) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "serve", "--listen", $"127.0.0.1:{port}", "--data-dir", Path.Combine(dir, "data") })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Processes.WaitForHttpAsync(http, $"http://127.0.0.1:{port}/-/ready", process, () => what + " did not get ready", TimeSpan.FromSeconds(60));
            var ready = watch.Elapsed;
            using var doc = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/api/v1/query?query=up"));
            Assert.Equal("success", doc.RootElement.GetProperty("status").GetString());
            return ready;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// A nuget.config for the fresh app: the dist folder as a source that alone serves <c>Vigil.*</c> (package source
    /// mapping), every source already configured on this machine for the rest.
    /// </summary>
    private static async Task<string> NuGetConfigAsync(string dist)
    {
        var (code, output) = await ReleaseArtifactsFixture.RunAsync(Path.GetTempPath(), TimeSpan.FromMinutes(1), "dotnet", "nuget", "list", "source");
        Assert.True(code == 0, output);
        var others = SourceName().Matches(output).Select(m => m.Groups[1].Value).ToList();
        string global = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var mapping = string.Concat(others.Select(o => $"<packageSource key=\"{WebUtility.HtmlEncode(o)}\"><package pattern=\"*\" /></packageSource>"));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><add key="vigil-dist" value="{dist}" /></packageSources>
              <fallbackPackageFolders><add key="machine" value="{global}" /></fallbackPackageFolders>
              <packageSourceMapping>
                <packageSource key="vigil-dist"><package pattern="Vigil.*" /></packageSource>
                {mapping}
              </packageSourceMapping>
            </configuration>
            """;
    }

    [GeneratedRegex(@"^\s*\d+\.\s+(.+?) \[Enabled\]", RegexOptions.Multiline)]
    private static partial Regex SourceName();
}
