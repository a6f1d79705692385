using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Cli;
using Vigil.Collection.Remote;
using Vigil.Core.Config;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Remote;

/// <summary>The <c>storage:</c> section's remote store: its keys and their errors, and what <c>vigil serve</c> composes from them.</summary>
public sealed class RemoteStoreCompositionTests
{
    private static readonly LabelSet Series = LabelSet.Of("__name__", "queue_depth", "job", "worker");

    [Fact]
    public void Parse_StorageRemote_MapsOntoOptions()
    {
        var c = VigilConfig.Parse("""
            global:
              external_labels: { vigil_host: edge-1 }
            storage:
              local: false
              remote:
                url: http://vmselect:8481/select/0/prometheus
                write_url: http://vminsert:8480/insert/0/prometheus/api/v1/write
                headers: { X-Scope-OrgID: team-a }
                bearer_token: s3cret
                timeout: 30s
                max_response_size: 64MB
            """);
        var remote = c.Storage.Remote!;
        Assert.False(c.Storage.Local);
        Assert.Equal("http://vmselect:8481/select/0/prometheus/api/v1/query", new Uri(remote.BaseUrl, "api/v1/query").ToString());
        Assert.Equal("http://vminsert:8480/insert/0/prometheus/api/v1/write", remote.EffectiveWriteUrl.ToString());
        Assert.Equal("team-a", remote.Headers["X-Scope-OrgID"]);
        Assert.Equal(("Bearer", "s3cret"), (remote.Authorization!.Type, remote.Authorization.Credentials));
        Assert.Equal((TimeSpan.FromSeconds(30), 64L << 20), (remote.Timeout, remote.MaxResponseBytes));
        Assert.Equal("http://victoria:8428/api/v1/write", VigilConfig.Parse("storage: { remote: { url: 'http://victoria:8428' } }").Storage.Remote!.EffectiveWriteUrl.ToString());
        Assert.True(VigilConfig.Parse("storage: { remote: { url: 'http://victoria:8428' } }").Storage.Local);
        Assert.Null(VigilConfig.Parse("storage: {}").Storage.Remote);
    }

    [Theory]
    [InlineData("storage:\n  local: false\n", "vigil.yaml:2:10: invalid \"local\" in storage: local: false needs a remote store (storage.remote), or there would be nowhere to keep data")]
    [InlineData("storage:\n  remote: { timeout: 5s }\n", "vigil.yaml:2:3: storage.remote needs a url (the Prometheus query API's base, e.g. http://victoria-metrics:8428/)")]
    [InlineData("storage:\n  remote: { url: 'ftp://x/' }\n", "vigil.yaml:2:18: invalid \"url\" in storage.remote: expected an http:// or https:// URL, got \"ftp://x/\"")]
    [InlineData("storage:\n  remote: { url: 'http://x/', type: influx }\n", "vigil.yaml:2:37: invalid \"type\" in storage.remote: expected prometheus-api (VictoriaMetrics, Mimir, Thanos and Prometheus all serve it), got \"influx\"")]
    [InlineData("storage:\n  remote: { url: 'http://x/', headers: { Authorization: x } }\n", "vigil.yaml:2:57: invalid \"Authorization\" in storage.remote.headers: set the Authorization header with basic_auth, authorization or bearer_token")]
    [InlineData("storage:\n  remote: { url: 'http://x/', timeout: 0s }\n", "vigil.yaml:2:40: invalid \"timeout\" in storage.remote: must be greater than 0")]
    [InlineData("storage:\n  remote: { url: 'http://x/', queue: 1 }\n", "vigil.yaml:2:31: unknown key \"queue\" in storage.remote")]
    public void Parse_BadStorageRemote_ErrorAtFileLineColumn(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml));
        Assert.Equal(expected, e.Errors[0].ToString());
    }

    [Fact]
    public async Task ServeStorage_LocalAndRemote_WritesBothAndQueriesMergeThem_RemoteDownLeavesLocalWorking()
    {
        var vm = await ExporterProcess.StartVictoriaMetricsAsync();
        var local = new MemoryStorage();
        var settings = new StorageSettings("unused", TimeSpan.Zero, 0, false, TimeSpan.FromMinutes(10), new RemoteStoreOptions { Url = vm.BaseAddress }, Local: true);
        var storage = ServeStorage.Open(new FixedStorageProvider(local), settings, NullLoggerFactory.Instance);
        long t = Timestamp.Now() - 60_000;
        try
        {
            Assert.IsType<FanoutStorage>(storage);
            var app = storage.Appender();
            app.Append(Series, t, 7);
            app.Commit();
            // Written to both: the local store and VictoriaMetrics.
            Assert.Equal(7, Assert.Single(Assert.Single(local.Querier(0, long.MaxValue).Select(true, null, LabelMatcher.MetricName("queue_depth")).ToList()).Samples).V);
            using var http = new HttpClient();
            await Poll.UntilAsync(async () => JsonDocument.Parse(await http.GetStringAsync(new Uri(vm.BaseAddress, "api/v1/query?query=queue_depth&time=" + (t / 1000.0).ToString(CultureInfo.InvariantCulture))))
                .RootElement.GetProperty("data").GetProperty("result").GetArrayLength() == 1);
            // A sample only the remote has (another Vigil wrote it) and one only the local store has: the query sees both.
            var remoteOnly = new RemoteStorage(new RemoteStoreOptions { Url = vm.BaseAddress });
            var r = remoteOnly.Appender();
            r.Append(Series, t + 1000, 8);
            r.Commit();
            remoteOnly.Dispose();
            var l = local.Appender();
            l.Append(Series, t + 2000, 9);
            l.Commit();
            await Poll.UntilAsync(() => Task.FromResult(Count(storage, t) == 3));
            Assert.Equal(24, new PromQLEngine().InstantQuery(storage, "sum_over_time(queue_depth[1m])", t + 2000).Value is VectorValue v ? Assert.Single(v.Samples).V : double.NaN);
        }
        finally
        {
            await ServeCommand.CloseAsync(storage);
            // The remote goes away.
            await vm.DisposeAsync();
        }

        // Commits still succeed locally and queries answer from the local store with a warning.
        var down = ServeStorage.Open(new FixedStorageProvider(local), settings, NullLoggerFactory.Instance);
        var again = down.Appender();
        again.Append(Series, t + 3000, 10);
        again.Commit();
        using var result = new PromQLEngine().InstantQuery(down, "queue_depth", t + 3000);
        Assert.Equal(10, Assert.Single(Assert.IsType<VectorValue>(result.Value).Samples).V);
        Assert.Contains(result.Warnings, w => w.Contains("is unreachable", StringComparison.Ordinal) && w.Contains("connection refused", StringComparison.Ordinal));
        await ServeCommand.CloseAsync(down);
    }

    [Fact]
    public async Task ServeStorage_LocalFalse_OpensNoLocalDatabase()
    {
        var settings = new StorageSettings("unused", TimeSpan.Zero, 0, false, TimeSpan.FromMinutes(10),
            new RemoteStoreOptions { Url = new Uri("http://127.0.0.1:1/"), ExternalLabels = LabelSet.Of("vigil_host", "edge-1") }, Local: false);
        var storage = ServeStorage.Open(new NoLocalStorage(), settings, NullLoggerFactory.Instance);
        var remote = Assert.IsType<RemoteStorage>(storage);
        Assert.Equal(LabelSet.Of("vigil_host", "edge-1"), remote.Options.ExternalLabels);
        await ServeCommand.CloseAsync(storage);
    }

    /// <summary>A storage provider whose local database must not be opened.</summary>
    private sealed class NoLocalStorage : IStorageProvider
    {
        public IStorage Open(StorageSettings settings, Microsoft.Extensions.Logging.ILoggerFactory loggers) => throw new InvalidOperationException("the local TSDB was opened");

        public ISampleQueryable OpenReadOnly(string dataDir, Microsoft.Extensions.Logging.ILoggerFactory loggers) => throw new InvalidOperationException("the local TSDB was opened");

        public IStorage OpenInMemory() => throw new InvalidOperationException("the local TSDB was opened");
    }

    private static int Count(IStorage storage, long t)
    {
        using var q = storage.Querier(t - 1000, t + 5000);
        return q.Select(true, null, LabelMatcher.MetricName("queue_depth")).ToList().Sum(s => s.Samples.Count);
    }
}
