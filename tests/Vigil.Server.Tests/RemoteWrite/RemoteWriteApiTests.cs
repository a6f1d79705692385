using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Vigil.Server.Api;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Server.Tests.TestSupport;
using V1 = Vigil.Collection.Push.RemoteWrite.V1;
using V2 = Vigil.Collection.Push.RemoteWrite.V2;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary><c>POST /api/v1/write</c> over HTTP on an in-process server: negotiation, status codes, headers, limits.</summary>
public sealed class RemoteWriteApiTests : IAsyncLifetime
{
    private const long T0 = 1_700_000_000_000;
    private const int MaxBody = 64 * 1024;

    private readonly MemoryStorage _storage = new();
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(new VigilServerOptions
    {
        Listen = TestVigil.Loopback,
        CollectHost = false,
        CollectSelf = false,
        CollectionInterval = TimeSpan.FromHours(1),
        MaxPushBodyBytes = MaxBody,
    }, _storage);

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private static V1.WriteRequest OneSeries(string metric, int samples)
    {
        var ts = new V1.TimeSeries();
        ts.Labels.Add(new V1.Label { Name = "__name__", Value = metric });
        ts.Labels.Add(new V1.Label { Name = "job", Value = "remote" });
        for (int i = 0; i < samples; i++)
        {
            ts.Samples.Add(new V1.Sample { Timestamp = T0 + (i * 1000L), Value = i });
        }
        return new V1.WriteRequest { Timeseries = { ts } };
    }

    private Task<HttpResponseMessage> PostAsync(byte[] body, string? contentType = "application/x-protobuf", string? encoding = "snappy")
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }
        return Http.PostAsync("/api/v1/write", content);
    }

    private static byte[] Snappy(IMessage message) => Snappier.Snappy.CompressToArray(message.ToByteArray());

    private static async Task<(string ErrorType, string Error)> ErrorAsync(HttpResponseMessage r)
    {
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("error", doc.RootElement.GetProperty("status").GetString());
        return (doc.RootElement.GetProperty("errorType").GetString()!, doc.RootElement.GetProperty("error").GetString()!);
    }

    private static string Header(HttpResponseMessage r, string name) => Assert.Single(r.Headers.GetValues(name));

    [Fact]
    public async Task Write_V1AsPrometheusSendsIt_204AndQueryable()
    {
        using var r = await PostAsync(Snappy(OneSeries("rw_v1", 3)));

        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal("3", Header(r, RemoteWriteApi.SamplesWrittenHeader));
        using var q = await Http.GetAsync($"/api/v1/query?query=rw_v1&time={(T0 + 2000) / 1000}");
        using var doc = JsonDocument.Parse(await q.Content.ReadAsStringAsync());
        var result = Assert.Single(doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray());
        Assert.Equal("2", result.GetProperty("value")[1].GetString());
        Assert.Equal("remote", result.GetProperty("metric").GetProperty("job").GetString());
    }

    [Fact]
    public async Task Write_NoContentTypeNoEncoding_ReadAsV1Snappy()
    {
        using var r = await PostAsync(Snappy(OneSeries("rw_bare", 1)), contentType: null, encoding: null);

        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Single(_storage.SamplesOf(LabelSet.Of("__name__", "rw_bare", "job", "remote")));
    }

    [Fact]
    public async Task Write_V2ContentType_204WithTheWrittenHeaders()
    {
        var request = new V2.Request();
        request.Symbols.AddRange(["", "__name__", "rw_v2", "job", "remote"]);
        var ts = new V2.TimeSeries();
        ts.LabelsRefs.AddRange([1, 2, 3, 4]);
        ts.Samples.Add(new V2.Sample { Timestamp = T0, Value = 1 });
        ts.Samples.Add(new V2.Sample { Timestamp = T0 + 1000, Value = 2 });
        ts.Exemplars.Add(new V2.Exemplar { Timestamp = T0, Value = 1 });
        request.Timeseries.Add(ts);

        using var r = await PostAsync(Snappy(request), "application/x-protobuf;proto=io.prometheus.write.v2.Request");

        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal("2", Header(r, "X-Prometheus-Remote-Write-Samples-Written"));
        Assert.Equal("0", Header(r, "X-Prometheus-Remote-Write-Histograms-Written"));
        Assert.Equal("0", Header(r, "X-Prometheus-Remote-Write-Exemplars-Written"));
        Assert.Equal([new Sample(T0, 1), new Sample(T0 + 1000, 2)], _storage.SamplesOf(LabelSet.Of("__name__", "rw_v2", "job", "remote")));
    }

    [Theory]
    [InlineData("application/x-protobuf;proto=io.prometheus.write.v3.Request", "unsupported remote-write message")]
    [InlineData("application/json", "unsupported Content-Type")]
    public async Task Write_UnsupportedMessage_415AndNothingStored(string contentType, string expected)
    {
        using var r = await PostAsync(Snappy(OneSeries("rw_415", 1)), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Contains(expected, (await ErrorAsync(r)).Error, StringComparison.Ordinal);
        Assert.Equal("0", Header(r, RemoteWriteApi.SamplesWrittenHeader));
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Write_GzipEncoding_415()
    {
        using var r = await PostAsync(Snappy(OneSeries("rw_gzip", 1)), encoding: "gzip");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Contains("snappy", (await ErrorAsync(r)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_NotSnappy_400BadData()
    {
        // A protobuf body sent without compression: its first bytes read as a snappy length, the rest does not decode.
        using var r = await PostAsync(OneSeries("rw_raw", 50).ToByteArray());

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var (type, error) = await ErrorAsync(r);
        Assert.Equal("bad_data", type);
        Assert.StartsWith("invalid snappy block", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_RandomProtobufInValidSnappy_400NeverServerError()
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            byte[] garbage = new byte[random.Next(1, 2000)];
            random.NextBytes(garbage);
            using var r = await PostAsync(Snappier.Snappy.CompressToArray(garbage), i % 2 == 0 ? "application/x-protobuf" : "application/x-protobuf;proto=io.prometheus.write.v2.Request");
            Assert.True(r.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NoContent, $"{(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Write_OutOfOrderSample_400NamingTheSeriesNothingStored()
    {
        using (var first = await PostAsync(Snappy(OneSeries("rw_ooo", 2))))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }
        var request = OneSeries("rw_other", 1);
        request.Timeseries.Add(OneSeries("rw_ooo", 1).Timeseries[0]);

        using var r = await PostAsync(Snappy(request));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        string error = (await ErrorAsync(r)).Error;
        Assert.Contains("out of order sample for series rw_ooo{job=\"remote\"}", error, StringComparison.Ordinal);
        Assert.EndsWith("nothing was stored", error, StringComparison.Ordinal);
        Assert.Equal("0", Header(r, RemoteWriteApi.SamplesWrittenHeader));
        Assert.Equal(2, _storage.AllSeries().Sum(s => _storage.SamplesOf(s).Count));
        Assert.DoesNotContain(_storage.AllSeries(), s => s.Name == "rw_other");
    }

    [Fact]
    public async Task Write_CompressedBodyOverTheLimit_413()
    {
        byte[] big = new byte[MaxBody + 1];
        new Random(3).NextBytes(big);

        using var r = await PostAsync(big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Write_DecompressesBeyondTheLimit_413()
    {
        // A label value of 200,000 equal characters compresses well below the limit but decompresses above it.
        var request = OneSeries("rw_bomb", 1);
        request.Timeseries[0].Labels.Add(new V1.Label { Name = "pad", Value = new string('a', 200_000) });
        byte[] body = Snappy(request);
        Assert.True(body.Length < MaxBody);

        using var r = await PostAsync(body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Contains("larger than the limit", (await ErrorAsync(r)).Error, StringComparison.Ordinal);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Write_Metadata_ListedByTheMetadataApi()
    {
        var request = new V1.WriteRequest();
        request.Metadata.Add(new V1.MetricMetadata { MetricFamilyName = "rw_jobs_total", Type = V1.MetricMetadata.Types.MetricType.Counter, Help = "Jobs done." });

        using var r = await PostAsync(Snappy(request));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        using var md = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/metadata?metric=rw_jobs_total"));
        var entry = md.RootElement.GetProperty("data").GetProperty("rw_jobs_total")[0];
        Assert.Equal("counter", entry.GetProperty("type").GetString());
        Assert.Equal("Jobs done.", entry.GetProperty("help").GetString());
    }

    [Fact]
    public async Task Write_Get_405()
    {
        using var r = await Http.GetAsync("/api/v1/write");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, r.StatusCode);
    }
}
