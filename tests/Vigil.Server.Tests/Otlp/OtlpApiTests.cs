using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Vigil.Collection.Otlp;
using Vigil.Collection.Otlp.Proto;
using Vigil.Server.Tests.TestSupport;
using static Vigil.Server.Tests.Otlp.OtlpRequests;

namespace Vigil.Server.Tests.Otlp;

/// <summary>OTLP/HTTP on an in-process server: both paths, both encodings, gzip, and what hostile or wrong bodies get.</summary>
public sealed class OtlpApiTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(storage: _storage, httpTimeout: TimeSpan.FromSeconds(60));

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    private double Value(string name) => _storage.SamplesOf(_storage.AllSeries().Single(s => s.Name == name)).Last().V;

    [Theory]
    [InlineData("/v1/metrics")]
    [InlineData("/api/v1/otlp/v1/metrics")]
    public async Task Post_Protobuf_200EmptyResponseAndStored(string path)
    {
        var request = Request(Sum("orders", "", true, AggregationTemporality.Cumulative, Point(T0, 7, Attr("route", "/a"))));
        using var r = await Http.PostAsync(path, Protobuf(request.ToByteArray()));

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/x-protobuf", r.Content.Headers.ContentType?.MediaType);
        var response = ExportMetricsServiceResponse.Parser.ParseFrom(await r.Content.ReadAsByteArrayAsync());
        Assert.Null(response.PartialSuccess);
        Assert.Equal(7, Value("orders_total"));
    }

    [Fact]
    public async Task Post_OtlpJson_Stored()
    {
        // The shape of the OTLP/JSON examples in the specification: camelCase, 64-bit integers as strings, enums as numbers.
        string json = $$$"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
              "scopeMetrics":[{"scope":{"name":"shop"},"metrics":[
                {"name":"cart.items","unit":"{item}","sum":{"aggregationTemporality":2,"isMonotonic":true,
                  "dataPoints":[{"asInt":"12","timeUnixNano":"{{{Nanos(T0)}}}","attributes":[{"key":"tier","value":{"intValue":"3"}}]}]}},
                {"name":"queue.latency","unit":"ms","gauge":{"dataPoints":[{"asDouble":2.5,"timeUnixNano":"{{{Nanos(T0)}}}"}]}}]}]}]}
            """;
        using var r = await Http.PostAsync("/v1/metrics", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var answer = JsonDocument.Parse(await r.Content.ReadAsStringAsync()))
        {
            Assert.Empty(answer.RootElement.EnumerateObject());
        }
        var cart = _storage.AllSeries().Single(s => s.Name == "cart_items_total");
        Assert.Equal("3", cart.Get("tier"));
        Assert.Equal("checkout", cart.Get("job"));
        Assert.Equal(12, Value("cart_items_total"));
        Assert.Equal(2.5, Value("queue_latency_milliseconds"));
    }

    [Fact]
    public async Task Post_GzipProtobuf_Decompressed()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Request(Gauge("zipped", "", Point(T0, 3))).ToByteArray());
        }
        var content = Protobuf(ms.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var r = await Http.PostAsync("/v1/metrics", content);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(3, Value("zipped"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task Post_OtherContentType_415(string? type)
    {
        var content = new ByteArrayContent(Request(Gauge("g", "", Point(T0, 1))).ToByteArray());
        content.Headers.ContentType = type is null ? null : new MediaTypeHeaderValue(type);
        using var r = await Http.PostAsync("/v1/metrics", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Contains("application/x-protobuf", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Post_InvalidProtobufRequest_400WithStatusAndNothingStored()
    {
        var request = Request(Gauge("fine", "", Point(T0, 1)), Histogram("h", "s", AggregationTemporality.Cumulative, HistogramPoint(T0, [1, 2], [1], 1)));
        using var r = await Http.PostAsync("/v1/metrics", Protobuf(request.ToByteArray()));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var status = Collection.Otlp.Proto.Status.Parser.ParseFrom(await r.Content.ReadAsByteArrayAsync());
        Assert.Equal(3, status.Code);
        Assert.Equal("metric \"h\": a histogram point has 1 bucket counts for 2 bounds; it needs one more count than bounds; nothing was stored", status.Message);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public async Task Post_InvalidJson_400PrometheusErrorNamingThePlace()
    {
        using var r = await Http.PostAsync("/v1/metrics", new StringContent("{\"resourceMetrics\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal("bad_data", doc.RootElement.GetProperty("errorType").GetString());
        Assert.StartsWith("invalid JSON body at line 1", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RandomBytes_NeverServerErrorAndBadOnesAre400()
    {
        var random = new Random(16);
        int refused = 0;
        for (int i = 0; i < 300; i++)
        {
            byte[] body = new byte[random.Next(1, 2000)];
            random.NextBytes(body);
            bool json = i % 3 == 0;
            HttpContent content = json ? new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } } : Protobuf(body);
            using var r = await Http.PostAsync(i % 2 == 0 ? "/v1/metrics" : "/api/v1/otlp/v1/metrics", content);
            Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"body {i}: HTTP {(int)r.StatusCode}");
            if (r.StatusCode == HttpStatusCode.BadRequest)
            {
                refused++;
                byte[] answer = await r.Content.ReadAsByteArrayAsync();
                string message = json
                    ? JsonDocument.Parse(answer).RootElement.GetProperty("error").GetString()!
                    : Collection.Otlp.Proto.Status.Parser.ParseFrom(answer).Message;
                Assert.EndsWith("nothing was stored", message, StringComparison.Ordinal);
            }
        }
        Assert.True(refused > 250, $"only {refused} of 300 random bodies were refused");
    }

    [Fact]
    public async Task Post_MillionsOfEmptyMessages_400BeforeBuildingThem()
    {
        // 4,000,001 empty resource_metrics: 8 MB of input that would become millions of objects.
        byte[] body = new byte[2 * (OtlpDecoder.MaxMessages + 1)];
        for (int i = 0; i < body.Length; i += 2)
        {
            body[i] = 0x0A;
        }
        using var r = await Http.PostAsync("/v1/metrics", Protobuf(body));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("more than 4000000 messages", Collection.Otlp.Proto.Status.Parser.ParseFrom(await r.Content.ReadAsByteArrayAsync()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_RepeatedDeltaPoint_PartialSuccessInTheResponse()
    {
        var delta = Request(Sum("hits", "", true, AggregationTemporality.Delta, Point(T0, 2)));
        using var first = await Http.PostAsync("/v1/metrics", Protobuf(delta.ToByteArray()));
        using var again = await Http.PostAsync("/v1/metrics", Protobuf(delta.ToByteArray()));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var response = ExportMetricsServiceResponse.Parser.ParseFrom(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, response.PartialSuccess.RejectedDataPoints);
        Assert.Contains("not newer than the previous one", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(2, Value("hits_total"));
    }

    [Fact]
    public async Task Metadata_OtlpMetric_TypeHelpAndUnit()
    {
        var metric = Gauge("pool.size", "{connection}", Point(T0, 4));
        metric.Description = "Open connections.";
        using var r = await Http.PostAsync("/v1/metrics", Protobuf(Request(metric).ToByteArray()));
        using var doc = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/metadata?metric=pool_size"));
        var md = doc.RootElement.GetProperty("data").GetProperty("pool_size")[0];
        Assert.Equal("gauge", md.GetProperty("type").GetString());
        Assert.Equal("Open connections.", md.GetProperty("help").GetString());
    }

    [Fact]
    public async Task Get_OtlpPath_405()
    {
        using var r = await Http.GetAsync("/v1/metrics");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, r.StatusCode);
    }
}
