namespace Vigil.Sdk.Tests.TestSupport;

/// <summary>The sample app as a child process in one mode for a whole test class; <see cref="Pid"/> is its process id.</summary>
public abstract class SampleAppFixture(string mode) : IAsyncLifetime
{
    private ChildProcess? _process;

    public string Pid { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _process = ChildProcess.StartDotnet("Vigil.Sdk.SampleApp.dll", mode);
        string line = await _process.WaitForLineAsync("ready", TimeSpan.FromSeconds(30));
        Pid = line.Split(' ')[1];
        // Let the JIT settle on the hot loop before sampling.
        await Task.Delay(500);
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        return Task.CompletedTask;
    }
}
