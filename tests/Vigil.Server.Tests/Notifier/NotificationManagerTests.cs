using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Vigil.Core.Labels;
using Vigil.Rules.Notifier;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Notifier;

public sealed class NotificationManagerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-am-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static NotificationAlert Alert(string name, string severity, DateTimeOffset ends)
        => new(LabelSet.Of("alertname", name, "severity", severity, "instance", "h"), LabelSet.Of("summary", "s " + name),
            DateTimeOffset.UtcNow.AddMinutes(-1), ends, "http://vigil.test/graph?g0.expr=up");

    [Fact]
    public async Task Send_RealAlertmanager_AlertAppearsThenResolves()
    {
        string am = Processes.FindExecutable("prometheus-alertmanager", "alertmanager") ?? throw new InvalidOperationException("install Debian's prometheus-alertmanager");
        string config = Path.Combine(_dir, "am.yml");
        await File.WriteAllTextAsync(config, "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
        int port = Processes.FreePort();
        var psi = new ProcessStartInfo(am, [$"--config.file={config}", $"--storage.path={Path.Combine(_dir, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient();
            string baseUrl = $"http://127.0.0.1:{port}";
            await Processes.WaitForHttpAsync(http, baseUrl + "/-/ready", process, () => { lock (output) { return output.ToString(); } }, TimeSpan.FromSeconds(30));
            await using var notifier = new NotificationManager(new AlertingOptions
            {
                Alertmanagers = [new AlertmanagerTarget { Url = new Uri(baseUrl) }],
                ExternalLabels = LabelSet.Of("cluster", "eu1"),
            });
            notifier.Send([Alert("CpuHigh", "critical", DateTimeOffset.UtcNow.AddMinutes(10))]);
            JsonElement found = default;
            await Poll.UntilAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync(baseUrl + "/api/v2/alerts"));
                var match = doc.RootElement.EnumerateArray().Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "CpuHigh").ToList();
                if (match.Count == 1)
                {
                    found = match[0].Clone();
                    return true;
                }
                return false;
            });
            Assert.Equal("eu1", found.GetProperty("labels").GetProperty("cluster").GetString());
            Assert.Equal("s CpuHigh", found.GetProperty("annotations").GetProperty("summary").GetString());
            Assert.Equal("active", found.GetProperty("status").GetProperty("state").GetString());
            Assert.Equal("http://vigil.test/graph?g0.expr=up", found.GetProperty("generatorURL").GetString());

            notifier.Send([Alert("CpuHigh", "critical", DateTimeOffset.UtcNow.AddSeconds(-1))]);
            await Poll.UntilAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync(baseUrl + "/api/v2/alerts"));
                return !doc.RootElement.EnumerateArray().Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "CpuHigh");
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Send_UnreachableAlertmanager_ReturnsAtOnceAndKeepsQueued()
    {
        int port = Processes.FreePort();
        await using var notifier = new NotificationManager(new AlertingOptions
        {
            Alertmanagers = [new AlertmanagerTarget { Url = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(1) }],
            QueueCapacity = 3,
        });
        var sw = Stopwatch.StartNew();
        notifier.Send([.. Enumerable.Range(0, 5).Select(i => Alert("A" + i, "warning", DateTimeOffset.UtcNow.AddMinutes(5)))]);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), "Send must not wait for the receiver");
        await Task.Delay(300);
        Assert.Equal(3, notifier.QueueLengthsByReceiver().Single().Value);
    }

    [Fact]
    public async Task Webhook_GroupsBySeverityFilterRetriesAndResolves()
    {
        int port = Processes.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new List<(DateTimeOffset At, JsonDocument Body)>();
        int requests = 0;
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }
                int n = Interlocked.Increment(ref requests);
                using (var reader = new StreamReader(ctx.Request.InputStream))
                {
                    string body = await reader.ReadToEndAsync();
                    // The first delivery fails: the dispatcher must retry.
                    if (n > 1)
                    {
                        lock (received)
                        {
                            received.Add((DateTimeOffset.UtcNow, JsonDocument.Parse(body)));
                        }
                    }
                }
                ctx.Response.StatusCode = n == 1 ? 500 : 200;
                ctx.Response.Close();
            }
        });
        await using var notifier = new NotificationManager(new AlertingOptions
        {
            Webhooks =
            [
                new WebhookRoute
                {
                    Name = "ops",
                    Url = new Uri($"http://127.0.0.1:{port}/hook"),
                    GroupBy = ["alertname"],
                    GroupWait = TimeSpan.FromMilliseconds(300),
                    GroupInterval = TimeSpan.FromMilliseconds(600),
                    RepeatInterval = TimeSpan.FromHours(1),
                    Severities = ["critical"],
                    InitialBackoff = TimeSpan.FromMilliseconds(100),
                },
            ],
            ExternalUrl = "http://vigil.test",
        });
        var start = DateTimeOffset.UtcNow;
        var firingUntil = DateTimeOffset.UtcNow.AddMinutes(5);
        notifier.Send([Alert("Disk", "critical", firingUntil), Alert("Disk", "warning", firingUntil)]);
        notifier.Send([new NotificationAlert(LabelSet.Of("alertname", "Disk", "severity", "critical", "instance", "g"), LabelSet.Empty, start, firingUntil, "u")]);
        await Poll.UntilAsync(() => Task.FromResult(Count(received) >= 1));
        var first = received[0];
        Assert.True(first.At - start >= TimeSpan.FromMilliseconds(300), "group_wait respected");
        var root = first.Body.RootElement;
        Assert.Equal("firing", root.GetProperty("status").GetString());
        Assert.Equal("ops", root.GetProperty("receiver").GetString());
        Assert.Equal("4", root.GetProperty("version").GetString());
        Assert.Equal("Disk", root.GetProperty("groupLabels").GetProperty("alertname").GetString());
        Assert.Equal("critical", root.GetProperty("commonLabels").GetProperty("severity").GetString());
        Assert.Equal(["g", "h"], root.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("labels").GetProperty("instance").GetString()!).Order());
        Assert.All(root.GetProperty("alerts").EnumerateArray(), a => Assert.Equal("0001-01-01T00:00:00Z", a.GetProperty("endsAt").GetString()));

        // Unchanged alerts resent: nothing new within group_interval; then one resolves.
        notifier.Send([Alert("Disk", "critical", firingUntil)]);
        await Task.Delay(800);
        Assert.Equal(1, Count(received));
        notifier.Send([Alert("Disk", "critical", DateTimeOffset.UtcNow.AddSeconds(-1))]);
        await Poll.UntilAsync(() => Task.FromResult(Count(received) >= 2));
        var second = received[1].Body.RootElement;
        Assert.Equal("firing", second.GetProperty("status").GetString());
        var resolved = second.GetProperty("alerts").EnumerateArray().Single(a => a.GetProperty("labels").GetProperty("instance").GetString() == "h");
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.Equal(2, requests - 1);
        listener.Stop();
    }

    [Fact]
    public async Task Reconfigure_UnchangedWebhookKeepsItsGroups_AddedOneStarts_RemovedOneStops()
    {
        var received = new List<(string Receiver, JsonDocument Body)>();
        await using var server = await TestWebServer.StartAsync(async ctx =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var doc = JsonDocument.Parse(await reader.ReadToEndAsync());
            lock (received)
            {
                received.Add((doc.RootElement.GetProperty("receiver").GetString()!, doc));
            }
        });
        WebhookRoute Route(string name) => new()
        {
            Name = name,
            Url = new Uri(server.BaseAddress, name),
            GroupWait = TimeSpan.FromMilliseconds(200),
            GroupInterval = TimeSpan.FromMilliseconds(200),
            RepeatInterval = TimeSpan.FromHours(1),
        };
        int From(string receiver)
        {
            lock (received)
            {
                return received.Count(r => r.Receiver == receiver);
            }
        }
        var firing = Alert("Disk", "critical", DateTimeOffset.UtcNow.AddMinutes(5));
        await using var notifier = new NotificationManager(new AlertingOptions { Webhooks = [Route("a")] });
        notifier.Send([firing]);
        await Poll.UntilAsync(() => Task.FromResult(From("a") == 1));

        // A reload with the same webhook and a new one: "a" keeps its group (no repeat), "b" notifies once.
        await notifier.ReconfigureAsync(new AlertingOptions { Webhooks = [Route("a"), Route("b")] });
        notifier.Send([firing]);
        await Poll.UntilAsync(() => Task.FromResult(From("b") == 1));
        await Task.Delay(600);
        Assert.Equal(1, From("a"));
        Assert.Equal(["a", "b"], notifier.QueueLengthsByReceiver().Keys.Order(StringComparer.Ordinal));

        // Removed: "a" receives nothing more, not even the resolution.
        await notifier.ReconfigureAsync(new AlertingOptions { Webhooks = [Route("b")] });
        notifier.Send([Alert("Disk", "critical", DateTimeOffset.UtcNow.AddSeconds(-1))]);
        await Poll.UntilAsync(() => Task.FromResult(From("b") == 2));
        Assert.Equal(1, From("a"));
        Assert.Equal(["b"], notifier.QueueLengthsByReceiver().Keys);
    }

    private static int Count(List<(DateTimeOffset, JsonDocument)> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }
}
