using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.TestSupport;
using Vigil.Sdk.Tests.TestSupport;
using Vigil.Server.Profiles;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// The Profiles page with a real profile: the vigil executable samples the sample app burning CPU in a known method and
/// uploads it; the flame graph and the hottest functions show that method.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ProfilesTests(DashboardServer server)
{
    private const string HotMethod = "Vigil.Sdk.SampleApp.CpuBurner.SpinPrimes(int32)";

    /// <summary>Runs <c>vigil ARGS</c> as a child process and returns its exit code and output.</summary>
    private static async Task<(int Code, string Output)> VigilAsync(params string[] args)
    {
        using var vigil = ChildProcess.StartDotnet("vigil.dll", args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await vigil.Process.WaitForExitAsync(timeout.Token);
        return (vigil.Process.ExitCode, vigil.Output);
    }

    private async Task<(string Id, string Pid)> UploadRealProfileAsync()
    {
        using var burner = ChildProcess.StartDotnet("Vigil.Sdk.SampleApp.dll", "burn");
        string pid = (await burner.WaitForLineAsync("ready", TimeSpan.FromSeconds(30))).Split(' ')[1];
        var (code, output) = await VigilAsync("profile", "--pid", pid, "--duration", "3s", "--upload", "--server", server.Server.BaseAddress.ToString());
        Assert.True(code == 0, output);
        string line = output.Split('\n').Single(l => l.StartsWith("uploaded profile ", StringComparison.Ordinal));
        string id = line.Split(' ')[2];
        Assert.EndsWith($"/profiles?id={id}", line.TrimEnd(), StringComparison.Ordinal);
        return (id, pid);
    }

    [Fact]
    public async Task Upload_FromVigilProfile_FlameGraphShowsTheBurningMethod()
    {
        var (id, pid) = await UploadRealProfileAsync();
        await using var tab = await server.OpenAsync();
        await tab.GotoAsync($"/profiles?id={id}");
        var page = tab.Page;
        var graph = page.Locator("section[data-panel=flamegraph]");
        await Assertions.Expect(graph).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal(id, await graph.Locator(".profile-head").GetAttributeAsync("data-id"));
        // The sample app runs under the dotnet host, which is the process the profiler names.
        Assert.StartsWith($"dotnet (pid {pid}) · ", await graph.Locator(".profile-head").InnerTextAsync(), StringComparison.Ordinal);

        // Most samples are in the burning method: its frames cover more than half of the graph's width.
        var hot = graph.Locator($".frame[data-frame$='{HotMethod}']");
        Assert.True(await hot.CountAsync() >= 1, "no frame of " + HotMethod);
        double share = 0;
        foreach (var frame in await hot.AllAsync())
        {
            share += double.Parse((await frame.GetAttributeAsync("data-share"))!, CultureInfo.InvariantCulture);
        }
        Assert.InRange(share, 0.5, 1.0);
        Assert.EndsWith(HotMethod, await graph.Locator("table.functions-self tbody tr span.fn").First.GetAttributeAsync("title") ?? "", StringComparison.Ordinal);

        // Clicking the frame zooms in: it spans the whole width and leads the breadcrumbs; Esc zooms out again.
        await hot.First.ClickAsync();
        var zoomed = hot.First;
        await Assertions.Expect(graph.Locator("nav.crumbs [aria-current]")).ToContainTextAsync("CpuBurner.SpinPrimes");
        Assert.Contains("width:100%", (await zoomed.GetAttributeAsync("style"))!.Replace(".0000", "", StringComparison.Ordinal), StringComparison.Ordinal);
        await zoomed.FocusAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(graph.Locator("nav.crumbs [aria-current]")).Not.ToContainTextAsync("CpuBurner.SpinPrimes");

        // Highlighting by name reports the matching share of samples.
        await page.Locator("#flame-search").FillAsync("SpinPrimes");
        await Assertions.Expect(graph.Locator(".frame.match").First).ToBeVisibleAsync();
        string matched = await page.Locator("#flame-matched").InnerTextAsync();
        Assert.InRange(double.Parse(matched[..matched.IndexOf('%', StringComparison.Ordinal)], CultureInfo.InvariantCulture), 50, 100);
        Assert.Empty(tab.Errors);
        await tab.ScreenshotAsync("profiles");
    }

    [Fact]
    public async Task Api_CollapsedRoundTripsAndBadInputIsNamedByLine()
    {
        const string stacks = "main;work;spin 30\nmain;work 5\nmain;idle 1\n";
        using var upload = await server.Http.PostAsync("/api/v1/profiles?process=demo&pid=42&duration=2s",
            new StringContent(stacks, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        using var doc = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
        var data = doc.RootElement.GetProperty("data");
        string id = data.GetProperty("id").GetString()!;
        Assert.Equal(("demo", 42, 2.0, 36, 3), (data.GetProperty("process").GetString(), data.GetProperty("pid").GetInt32(),
            data.GetProperty("durationSeconds").GetDouble(), data.GetProperty("samples").GetInt32(), data.GetProperty("stacks").GetInt32()));

        Assert.Equal(stacks, await server.Http.GetStringAsync($"/api/v1/profiles/{id}?format=collapsed"));
        using (var list = JsonDocument.Parse(await server.Http.GetStringAsync("/api/v1/profiles")))
        {
            Assert.Contains(list.RootElement.GetProperty("data").EnumerateArray(), p => p.GetProperty("id").GetString() == id);
        }
        using (var one = JsonDocument.Parse(await server.Http.GetStringAsync($"/api/v1/profiles/{id}")))
        {
            var first = one.RootElement.GetProperty("data").GetProperty("stacks")[0];
            Assert.Equal(("main;work;spin", 30), (first[0].GetString(), first[1].GetInt32()));
        }

        using var bad = await server.Http.PostAsync("/api/v1/profiles", new StringContent("main;work 3\nmain;oops x\n", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        string error = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
        Assert.Equal("collapsed stacks: line 2, column 11: \"x\" is not a positive sample count; nothing was stored", error);
        using var missing = await server.Http.GetAsync("/api/v1/profiles/0123abcd");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public void Store_ReopenedOverItsDirectory_StillHasTheProfiles()
    {
        string dir = Directory.CreateTempSubdirectory("vigil-profiles-").FullName;
        try
        {
            var first = new ProfileStore(dir, TimeProvider.System).Add("a;b 2\na 1\n", "app", 7, "host1", 1.5);
            var reopened = new ProfileStore(dir, TimeProvider.System);
            Assert.Equal(first, Assert.Single(reopened.List()));
            Assert.Equal("a;b 2\na 1\n", reopened.Find(first.Id)!.Value.Collapsed);
            Assert.True(File.Exists(Path.Combine(dir, "profiles", first.Id + ".folded")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
