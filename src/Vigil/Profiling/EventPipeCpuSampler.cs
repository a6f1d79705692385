using System.Diagnostics;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Vigil.Profiling;

/// <summary>
/// Samples the CPU of a running .NET process through EventPipe, as <c>dotnet-trace</c>'s cpu-sampling profile does:
/// the runtime's sample profiler records every managed thread's stack each millisecond, JIT and loader events plus the
/// rundown at the end name the methods. The trace is written to a temporary <c>.nettrace</c> file, then read with
/// TraceEvent's <see cref="TraceLog"/> to resolve stacks.
/// </summary>
/// <remarks>
/// Every sample is classified by <see cref="SampleClassifier"/>: a thread parked in a known wait (an idle thread-pool
/// worker, <c>Monitor.Wait</c>, a sleep, a blocking read) is waiting, whatever the runtime's sample type says; the other
/// samples of threads running managed code are on CPU; the rest (native code or an unknown block) are counted and
/// left out. If the process exits during the session,
/// the samples taken so far are kept; methods compiled before the session then stay unnamed (the rundown that names
/// them never came), and the profile says so in <see cref="CpuProfile.Warnings"/>.
/// </remarks>
internal static class EventPipeCpuSampler
{
    private const string SampleProfilerProvider = "Microsoft-DotNETCore-SampleProfiler";
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    // Loader (0x8) and Jit (0x10) name the methods compiled during the session; the rundown names the rest.
    private const long RuntimeKeywords = 0x8 | 0x10;

    /// <summary>Samples process <paramref name="processId"/> for <paramref name="duration"/> (or until cancelled).</summary>
    /// <exception cref="ProfilerException">The process does not exist, is not a .NET process, or refuses the session.</exception>
    public static async Task<CpuProfile> SampleAsync(int processId, TimeSpan duration, CancellationToken cancellationToken)
    {
        string processName = ProcessName(processId);
        string dir = Path.Combine(Path.GetTempPath(), "vigil-profile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string nettrace = Path.Combine(dir, "trace.nettrace");
        try
        {
            var stopwatch = Stopwatch.StartNew();
            bool exitedEarly = await RecordAsync(processId, processName, duration, nettrace, cancellationToken).ConfigureAwait(false);
            var elapsed = stopwatch.Elapsed;
            var profile = Read(processId, processName, nettrace, Path.Combine(dir, "trace.etlx"));
            profile.Duration = elapsed;
            if (exitedEarly)
            {
                profile.Warnings.Insert(0, $"process {processId} exited after {elapsed.TotalSeconds:0.0} s, before the session ended; the profile covers the samples taken until then.");
            }
            return profile;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string ProcessName(int processId)
    {
        try
        {
            using var p = Process.GetProcessById(processId);
            return p.ProcessName;
        }
        catch (ArgumentException)
        {
            throw new ProfilerException($"no process with id {processId} is running");
        }
    }

    /// <summary>Runs the session; returns true when the process ended it by exiting.</summary>
    private static async Task<bool> RecordAsync(int processId, string processName, TimeSpan duration, string nettrace, CancellationToken ct)
    {
        var providers = new[]
        {
            new EventPipeProvider(SampleProfilerProvider, EventLevel.Informational),
            new EventPipeProvider(RuntimeProvider, EventLevel.Informational, RuntimeKeywords),
        };
        EventPipeSession session;
        try
        {
            var client = new DiagnosticsClient(processId);
            session = await client.StartEventPipeSessionAsync(providers, requestRundown: true, circularBufferMB: 256, ct).ConfigureAwait(false);
        }
        catch (ServerNotAvailableException e)
        {
            throw new ProfilerException($"process {processId} ({processName}) is not a .NET process, or its diagnostics port is disabled (DOTNET_EnableDiagnostics=0) or owned by another user: {e.Message}");
        }
        catch (Exception e) when (e is DiagnosticsClientException or UnauthorizedAccessException or IOException or TimeoutException)
        {
            throw new ProfilerException($"cannot start an EventPipe session in process {processId} ({processName}): {e.Message}");
        }

        using (session)
        {
            var file = new FileStream(nettrace, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                var copy = session.EventStream.CopyToAsync(file, CancellationToken.None);
                bool exited = false;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    var delay = Task.Delay(duration, wait.Token);
                    var first = await Task.WhenAny(delay, copy).ConfigureAwait(false);
                    exited = first == copy;
                    await wait.CancelAsync().ConfigureAwait(false);
                }
                if (!exited)
                {
                    try
                    {
                        // Stopping makes the runtime write the rundown (method names) and end the stream.
                        await session.StopAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is ServerNotAvailableException or IOException or EndOfStreamException or DiagnosticsClientException)
                    {
                        exited = true;
                    }
                }
                try
                {
                    await copy.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    exited = true;
                }
                catch (TimeoutException)
                {
                    throw new ProfilerException($"process {processId} ({processName}) did not finish the EventPipe rundown within 60 s");
                }
                return exited;
            }
        }
    }

    private static CpuProfile Read(int processId, string processName, string nettrace, string etlx)
    {
        var profile = new CpuProfile(processId, processName, sampleIntervalMs: 1.0);
        if (new FileInfo(nettrace).Length == 0)
        {
            profile.Warnings.Add("the trace is empty: the process wrote no events.");
            return profile;
        }
        try
        {
            TraceLog.CreateFromEventPipeDataFile(nettrace, etlx);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or IOException or EndOfStreamException or System.Runtime.Serialization.SerializationException)
        {
            throw new ProfilerException($"the trace of process {processId} could not be read ({e.Message}); the process may have exited while writing it");
        }
        int unnamed = 0;
        int frames = 0;
        var stack = new List<string>(64);
        using var log = new TraceLog(etlx);
        foreach (var e in log.Events)
        {
            if (e.ProviderName != SampleProfilerProvider)
            {
                continue;
            }
            bool managed = IsManagedSample(e);
            stack.Clear();
            int sampleFrames = 0, sampleUnnamed = 0;
            for (var s = e.CallStack(); s is not null; s = s.Caller)
            {
                var address = s.CodeAddress;
                string method = address.FullMethodName;
                string module = address.ModuleName;
                sampleFrames++;
                if (string.IsNullOrEmpty(method))
                {
                    sampleUnnamed++;
                    method = "?";
                }
                string name = string.IsNullOrEmpty(module) ? method : module + "!" + method;
                // Note: unnamed frames of one module in a row (native code, stubs) fold into one frame.
                if (stack.Count == 0 || stack[^1] != name || method != "?")
                {
                    stack.Add(name);
                }
            }
            if (SampleClassifier.Classify(stack) is { } wait)
            {
                profile.AddWait(wait.Kind, wait.Frame, stack);
            }
            else if (managed)
            {
                profile.AddSample(stack);
                frames += sampleFrames;
                unnamed += sampleUnnamed;
            }
            else
            {
                profile.ExternalSamples++;
            }
        }
        if (frames > 0 && unnamed > frames / 2)
        {
            profile.Warnings.Add($"{unnamed} of {frames} frames could not be named (native code, or methods compiled before the session when the rundown is missing).");
        }
        return profile;
    }

    /// <summary>True for a sample of a thread in managed code (the sample profiler's type 2); type 1 is "external".</summary>
    private static bool IsManagedSample(TraceEvent e)
    {
        object? type = e.PayloadNames.Length > 0 ? e.PayloadByName("Type") : null;
        return type switch
        {
            null => true,
            int i => i == 2,
            uint u => u == 2,
            _ => Convert.ToInt64(type, System.Globalization.CultureInfo.InvariantCulture) == 2,
        };
    }
}

/// <summary>Profiling failed for a reason the user can act on (no such process, not .NET, session refused).</summary>
internal sealed class ProfilerException(string message) : Exception(message);
