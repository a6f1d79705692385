using System.Globalization;
using Vigil.Cli;
using Vigil.Profiling;
using Vigil.Sdk.Tests.TestSupport;

namespace Vigil.Sdk.Tests.Profiling;

/// <summary>
/// <c>vigil profile</c> tells waiting from working: the sample app's <c>mixed</c> mode has idle thread-pool workers and
/// threads in <c>Monitor.Wait</c>, a wait handle, <c>Thread.Sleep</c>, a blocking socket read and the timer thread,
/// beside one thread burning CPU in a method of its own.
/// </summary>
public sealed class ProfileWaitsTests : IClassFixture<ProfileWaitsTests.MixedApp>
{
    private const string HotMethod = "Vigil.Sdk.SampleApp.CpuBurner.SpinPrimes(int32)";
    private readonly MixedApp _app;

    public ProfileWaitsTests(MixedApp app)
    {
        _app = app;
    }

    [Fact]
    public async Task Profile_IdleThreadPoolAndWaits_WaitsApartAndOwnHotMethodFirst()
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = await VigilCli.RunAsync(["profile", "--pid", _app.Pid, "--duration", "3s", "--top", "5"], new NoStorageProvider(), stdout, stderr);
        string text = stdout.ToString();
        Assert.True(code == 0, stderr.ToString());
        string[] lines = text.Split('\n').Select(l => l.TrimEnd()).ToArray();

        // The summary names the application's hottest on-CPU method first.
        int own = Array.FindIndex(lines, l => l.StartsWith("Hottest on-CPU methods of the application's own code", StringComparison.Ordinal));
        Assert.True(own >= 0, text);
        Assert.EndsWith("!" + HotMethod, lines[own + 1], StringComparison.Ordinal);
        Assert.True(own < Array.FindIndex(lines, l => l.StartsWith("Top functions by exclusive samples", StringComparison.Ordinal)), text);

        // Every wait is listed as one, under its kind.
        int waits = Array.FindIndex(lines, l => l.StartsWith("Waiting threads", StringComparison.Ordinal));
        Assert.True(waits >= 0, text);
        var waitRows = lines.Skip(waits + 2).TakeWhile(l => l.Length > 0).ToList();
        foreach (string kind in new[] { SampleClassifier.ThreadPoolIdle, SampleClassifier.MonitorWait, SampleClassifier.WaitHandle, SampleClassifier.Sleep, SampleClassifier.BlockingIo, SampleClassifier.TimerThread, SampleClassifier.TaskWait })
        {
            Assert.True(waitRows.Any(r => r.Contains("  " + kind + " ", StringComparison.Ordinal)), $"no {kind} row in\n{text}");
        }
        Assert.Contains(waitRows, r => r.Contains("LowLevelLifoSemaphore", StringComparison.Ordinal));

        // No wait is a CPU bottleneck, and none is on the on-CPU tables; the burning method is the bottleneck.
        var bottlenecks = lines.Where(l => l.Contains("cpu_bottleneck", StringComparison.Ordinal)).ToList();
        Assert.Contains(bottlenecks, l => l.EndsWith(HotMethod, StringComparison.Ordinal));
        var onCpu = lines.Take(waits).Concat(bottlenecks).ToList();
        foreach (var (fragment, _) in SampleClassifier.WaitFrames)
        {
            Assert.DoesNotContain(onCpu, l => l.Contains("!" + fragment, StringComparison.Ordinal));
        }
        int exclusive = Array.FindIndex(lines, l => l.StartsWith("Top functions by exclusive samples", StringComparison.Ordinal));
        Assert.EndsWith("!" + HotMethod, lines[exclusive + 2], StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_Stacks_WaitsByKindAndWorkOnCpu()
    {
        const string core = "System.Private.CoreLib!";
        const string app = "Shop!Shop.Checkout.Price(int32)";
        Assert.Equal((SampleClassifier.ThreadPoolIdle, 0), SampleClassifier.Classify([core + "System.Threading.LowLevelLifoSemaphore.Wait(int32,bool)", core + "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart()", core + "System.Threading.Thread.StartCallback()"]));
        // Monitor.Wait inside Task.Wait is a task wait, named by the outermost wait frame before the application's code.
        Assert.Equal((SampleClassifier.TaskWait, 3), SampleClassifier.Classify([core + "System.Threading.Monitor.Wait(class System.Object,int32)", core + "System.Threading.ManualResetEventSlim.Wait(int32,value class System.Threading.CancellationToken)", core + "System.Threading.Tasks.Task.SpinThenBlockingWait(int32,value class System.Threading.CancellationToken)", core + "System.Threading.Tasks.Task.InternalWaitCore(int32,value class System.Threading.CancellationToken)", app]));
        Assert.Equal((SampleClassifier.TimerThread, 0), SampleClassifier.Classify([core + "System.Threading.WaitHandle.WaitOneNoCheck(int32)", core + "System.Threading.TimerQueue.TimerThread()"]));
        Assert.Equal((SampleClassifier.SocketEngine, 0), SampleClassifier.Classify(["System.Net.Sockets!Interop+Sys.WaitForSocketEvents(int32)", "System.Net.Sockets!System.Net.Sockets.SocketAsyncEngine.EventLoop()"]));
        // Work: the application's code on top, or framework code it called (even with a wait further out).
        Assert.Null(SampleClassifier.Classify([app, core + "System.Threading.Thread.StartCallback()"]));
        Assert.Null(SampleClassifier.Classify([core + "System.String.Concat(string,string)", app, core + "System.Threading.Monitor.Wait(class System.Object,int32)"]));
        Assert.True(SampleClassifier.IsOwnCode(app));
        Assert.False(SampleClassifier.IsOwnCode(core + "System.String.Concat(string,string)"));
        Assert.False(SampleClassifier.IsOwnCode("Microsoft.AspNetCore.Server.Kestrel.Core!Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.HttpProtocol.ProcessRequests()"));
        Assert.False(SampleClassifier.IsOwnCode("libcoreclr.so!?"));
    }

    /// <summary>The sample app in <c>mixed</c> mode for the whole test class.</summary>
    public sealed class MixedApp() : SampleAppFixture("mixed");
}
