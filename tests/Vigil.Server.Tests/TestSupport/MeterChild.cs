using System.Diagnostics;
using System.Globalization;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// Runs <c>tests/Vigil.Server.MeterChild</c> as <c>dotnet Vigil.Server.MeterChild.dll</c> and talks to it over standard
/// input/output (see that program for the commands).
/// </summary>
internal sealed class MeterChild : IDisposable
{
    /// <summary>The xunit collection of tests that start MeterChild processes (they must not overlap).</summary>
    public const string CollectionName = "MeterChild processes";

    /// <summary>The application name the collectors see for the child (<c>dotnet Vigil.Server.MeterChild.dll</c>).</summary>
    public const string AppName = "Vigil.Server.MeterChild";

    private readonly Process _process;

    private MeterChild(Process process, int pid)
    {
        _process = process;
        Pid = pid;
    }

    public int Pid { get; }

    public string PidText => Pid.ToString(CultureInfo.InvariantCulture);

    public bool HasExited => _process.HasExited;

    public static async Task<MeterChild> StartAsync()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, AppName + ".dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var p = Process.Start(psi)!;
        string? ready = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (ready is null || !ready.StartsWith("ready ", StringComparison.Ordinal))
        {
            p.Kill();
            Assert.Fail($"child did not start: {ready} {await p.StandardError.ReadToEndAsync()}");
        }
        int pid = int.Parse(ready.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.Equal(p.Id, pid);
        return new MeterChild(p, pid);
    }

    /// <summary>Sends one command and waits for its "ok".</summary>
    public async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        string? answer = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(answer == "ok", $"child answered \"{answer}\" to \"{command}\"");
    }

    /// <summary>SIGKILLs the child and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }
}
