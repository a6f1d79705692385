using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>Helpers to run real programs as child processes on free loopback ports.</summary>
internal static class Processes
{
    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The full path of <paramref name="names"/>' first match on PATH (or /usr/bin, /usr/sbin), else null.</summary>
    public static string? FindExecutable(params string[] names)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"]);
        foreach (var name in names)
        {
            foreach (var d in dirs)
            {
                string p = Path.Combine(d, name);
                if (File.Exists(p))
                {
                    return p;
                }
            }
        }
        return null;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200 or the timeout passes; fails with the process output.</summary>
    public static async Task WaitForHttpAsync(HttpClient http, string url, Process process, Func<string> output, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                Assert.Fail($"{process.StartInfo.FileName} exited with {process.ExitCode} before answering {url}:\n{output()}");
            }
            try
            {
                using var r = await http.GetAsync(url);
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{url} did not answer within {timeout}:\n{output()}");
    }
}
