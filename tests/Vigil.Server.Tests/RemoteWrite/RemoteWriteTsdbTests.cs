using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;
using V1 = Vigil.Collection.Push.RemoteWrite.V1;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary><c>POST /api/v1/write</c> over the embedded TSDB: the storage's own refusals reach the sender as 400.</summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class RemoteWriteTsdbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-rw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Write_TimestampTooFarInTheFuture_400NamingTheSeriesAndNothingStored()
    {
        using var storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dir, DisableBackgroundMaintenance = true });
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, storage);
        var http = vigil.Http;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var request = new V1.WriteRequest();
        request.Timeseries.Add(new V1.TimeSeries { Labels = { new V1.Label { Name = "__name__", Value = "ok_metric" } }, Samples = { new V1.Sample { Timestamp = now, Value = 1 } } });
        // Eleven minutes ahead: beyond the default margin of ten.
        request.Timeseries.Add(new V1.TimeSeries { Labels = { new V1.Label { Name = "__name__", Value = "ahead_metric" } }, Samples = { new V1.Sample { Timestamp = now + 660_000, Value = 2 } } });
        var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(request.ToByteArray()));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-protobuf");
        content.Headers.ContentEncoding.Add("snappy");

        using var r = await http.PostAsync("/api/v1/write", content);

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        string body = await r.Content.ReadAsStringAsync();
        Assert.Contains("too far in the future", body, StringComparison.Ordinal);
        Assert.Contains("ahead_metric", body, StringComparison.Ordinal);
        using var q = storage.Querier(long.MinValue / 2, long.MaxValue / 2);
        Assert.Empty(q.Select(true, null, LabelMatcher.Equal("__name__", "ok_metric")).ToList());
        Assert.Equal(1, storage.Head.Stats.TooFarInFutureSamples);
    }
}
