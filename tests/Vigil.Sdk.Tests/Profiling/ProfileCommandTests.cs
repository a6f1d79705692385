using System.Globalization;
using System.Text.Json;
using Vigil.Cli;
using Vigil.Core.Storage;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Profiling;

/// <summary><c>vigil profile</c> against real processes: the sample app burning CPU in a known method, a missing pid, a non-.NET process.</summary>
public sealed class ProfileCommandTests : IClassFixture<ProfileCommandTests.BurningApp>
{
    private const string HotMethod = "Vigil.Sdk.SampleApp.CpuBurner.SpinPrimes(int32)";
    private readonly BurningApp _app;

    public ProfileCommandTests(BurningApp app)
    {
        _app = app;
    }

    [Fact]
    public async Task Profile_Text_BurningMethodTopsExclusiveAndIsBottleneck()
    {
        var (code, stdout, stderr) = await RunAsync("profile", "--pid", _app.Pid, "--duration", "3s", "--top", "5");
        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n');
        int table = Array.FindIndex(lines, l => l.StartsWith("Top functions by exclusive samples", StringComparison.Ordinal));
        Assert.True(table >= 0, stdout);
        // The first row under the header is the hottest function.
        Assert.EndsWith("!" + HotMethod, lines[table + 2].TrimEnd(), StringComparison.Ordinal);
        string share = lines[table + 2].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].TrimEnd('%');
        Assert.InRange(double.Parse(share, CultureInfo.InvariantCulture), 50, 100);
        Assert.Contains(lines, l => l.Contains("cpu_bottleneck", StringComparison.Ordinal) && l.EndsWith(HotMethod, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Profile_CollapsedAndSpeedscope_FlameGraphData()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vigil-profile-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string collapsed = Path.Combine(dir, "cpu.folded");
            var (code, _, stderr) = await RunAsync("profile", "--pid", _app.Pid, "--duration", "2s", "--format", "collapsed", "--output", collapsed);
            Assert.True(code == 0, stderr);
            var stacks = File.ReadAllLines(collapsed).Select(l => (Frames: l[..l.LastIndexOf(' ')].Split(';'), Count: int.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))).ToList();
            int total = stacks.Sum(s => s.Count);
            int hot = stacks.Where(s => s.Frames[^1].EndsWith(HotMethod, StringComparison.Ordinal)).Sum(s => s.Count);
            Assert.True(hot > total / 2, $"{hot} of {total} samples in {HotMethod}");
            Assert.Contains(stacks, s => s.Frames.Any(f => f.EndsWith("CpuBurner.Run(value class System.TimeSpan)", StringComparison.Ordinal)));

            string speedscope = Path.Combine(dir, "cpu.speedscope.json");
            (code, _, stderr) = await RunAsync("profile", "--pid", _app.Pid, "--duration", "2s", "--format", "speedscope", "-o", speedscope);
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(speedscope));
            var frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToList();
            int hotFrame = frames.FindIndex(f => f.EndsWith(HotMethod, StringComparison.Ordinal));
            Assert.True(hotFrame >= 0);
            var profile = doc.RootElement.GetProperty("profiles")[0];
            Assert.Equal("sampled", profile.GetProperty("type").GetString());
            var samples = profile.GetProperty("samples").EnumerateArray().Select(s => s.EnumerateArray().Select(i => i.GetInt32()).ToArray()).ToList();
            var weights = profile.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()).ToList();
            Assert.Equal(samples.Count, weights.Count);
            Assert.Equal(weights.Sum(), profile.GetProperty("endValue").GetDouble(), 6);
            double hotWeight = samples.Zip(weights).Where(p => p.First[^1] == hotFrame).Sum(p => p.Second);
            Assert.True(hotWeight > weights.Sum() / 2);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Profile_NoSuchProcess_ClearError()
    {
        var (code, _, stderr) = await RunAsync("profile", "--pid", "2147483646", "--duration", "1s");
        Assert.Equal(1, code);
        Assert.Contains("vigil: no process with id 2147483646 is running", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_NotDotnetProcess_ClearError()
    {
        using var sleeper = ChildProcess.Start(ChildProcess.FindExecutable("sleep") ?? throw new InvalidOperationException("no sleep binary"), "60");
        var (code, _, stderr) = await RunAsync("profile", "--pid", sleeper.Id.ToString(CultureInfo.InvariantCulture), "--duration", "1s");
        Assert.Equal(1, code);
        Assert.Contains($"process {sleeper.Id} (sleep) is not a .NET process", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_ProcessExitsMidway_PartialProfileWithWarning()
    {
        // Note: 8 s of life leaves room for a slow session start on a loaded machine; the session asks for 40 s.
        using var shortLived = ChildProcess.StartDotnet("Vigil.Sdk.SampleApp.dll", "burn", "8");
        string ready = await shortLived.WaitForLineAsync("ready", TimeSpan.FromSeconds(30));
        var (code, stdout, stderr) = await RunAsync("profile", "--pid", ready.Split(' ')[1], "--duration", "40s");
        // The samples taken until the exit are reported, with a warning; methods compiled during the session are named.
        Assert.True(code == 0, stderr);
        Assert.Contains($"warning: process {ready.Split(' ')[1]} exited after", stdout, StringComparison.Ordinal);
        Assert.Contains(HotMethod, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Profile_BadArguments_UsageErrors()
    {
        var (code, _, stderr) = await RunAsync("profile", "--pid", "abc");
        Assert.Equal(2, code);
        Assert.Contains("--pid", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await RunAsync("profile", "--pid", "1", "--format", "svg");
        Assert.Equal(2, code);
        (code, _, stderr) = await RunAsync("profile", "--pid", "1", "--threshold", "150%");
        Assert.Equal(2, code);
        Assert.Contains("--threshold: \"150%\" is not a share", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = await VigilCli.RunAsync(args, new NoStorageProvider(), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The sample app burning CPU for the whole test class.</summary>
    public sealed class BurningApp() : SampleAppFixture("burn");
}
