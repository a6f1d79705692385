using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Vigil.Collection.Otlp;
using Vigil.Core.Config;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.Server.Config;
using Vigil.Server.Tests.TestSupport;
using Vigil.Tsdb;
using static Vigil.Server.Tests.Otlp.OtlpRequests;

namespace Vigil.Server.Tests.Otlp;

/// <summary>The <c>otlp:</c> section of <c>vigil.yaml</c>: parsed strictly, put in force at start and on reload.</summary>
public sealed class OtlpConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-otlp-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Parse_OtlpSection_MapsOntoOptions()
    {
        var c = VigilConfig.Parse("""
            otlp:
              translation_strategy: NoUTF8EscapingWithSuffixes
              promote_resource_attributes: [deployment.environment, k8s.namespace.name]
              keep_identifying_resource_attributes: true
              promote_scope_metadata: true
              created_timestamp_zero_ingestion: false
              max_delta_series: 500
              delta_series_idle: 10m
            """);
        Assert.Equal(OtlpTranslationStrategy.NoUTF8EscapingWithSuffixes, c.Otlp.TranslationStrategy);
        Assert.Equal(["deployment.environment", "k8s.namespace.name"], c.Otlp.PromoteResourceAttributes);
        Assert.True(c.Otlp.KeepIdentifyingResourceAttributes);
        Assert.True(c.Otlp.PromoteScopeMetadata);
        Assert.False(c.Otlp.CreatedTimestampZeroIngestion);
        Assert.Equal(500, c.Otlp.MaxDeltaSeries);
        Assert.Equal(TimeSpan.FromMinutes(10), c.Otlp.DeltaSeriesIdle);
        Assert.Equal(OtlpTranslationStrategy.UnderscoreEscapingWithSuffixes, VigilConfig.Parse("global: {}").Otlp.TranslationStrategy);
    }

    [Theory]
    [InlineData("otlp:\n  translation_strategy: Dots\n", "vigil.yaml:2:25: invalid \"translation_strategy\" in otlp: expected UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes or NoTranslation, got \"Dots\"")]
    [InlineData("otlp:\n  promote: [a]\n", "vigil.yaml:2:3: unknown key \"promote\" in otlp")]
    [InlineData("otlp:\n  convert_histograms_to_nhcb: true\n", "vigil.yaml:2:3: key \"convert_histograms_to_nhcb\" in otlp is a Prometheus setting that Vigil does not support")]
    [InlineData("otlp:\n  promote_all_resource_attributes: true\n  promote_resource_attributes: [a]\n", "vigil.yaml:1:1: otlp: promote_all_resource_attributes and promote_resource_attributes cannot both be set")]
    [InlineData("otlp:\n  max_delta_series: 0\n", "vigil.yaml:2:21: invalid \"max_delta_series\" in otlp: must be between 1 and 100000000")]
    public void Parse_BadOtlpSection_ErrorAtFileLineColumn(string yaml, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => VigilConfig.Parse(yaml));
        Assert.Equal(expected, e.Errors[0].ToString());
    }

    [Fact]
    public async Task Reload_NewPromotedAttribute_UsedByTheNextRequest()
    {
        string file = Path.Combine(_dir, "vigil.yaml");
        File.WriteAllText(file, "otlp:\n  promote_resource_attributes: []\n");
        static VigilServerOptions Bind(VigilConfig c) => new()
        {
            Listen = TestVigil.Loopback,
            CollectHost = false,
            CollectSelf = false,
            CollectionInterval = TimeSpan.FromHours(1),
            Otlp = c.Otlp,
            ConfigFile = c.SourcePath,
            ConfigBinder = Bind,
            WatchConfig = false,
        };
        var storage = new MemoryStorage();
        await using var vigil = await TestVigil.StartAsync(Bind(VigilConfig.Load(file)), storage);
        var server = vigil.Server;
        var http = vigil.Http;
        async Task SendAsync(long t)
        {
            var content = new ByteArrayContent(Request([Attr("service.name", "a"), Attr("region", "eu")], Gauge("g", "", Point(t, 1))).ToByteArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var r = await http.PostAsync("/v1/metrics", content);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        await SendAsync(T0);
        File.WriteAllText(file, "otlp:\n  promote_resource_attributes: [region]\n");
        Assert.Null(await server.ReloadConfigAsync());
        await SendAsync(T0 + 1000);

        Assert.Equal(["", "eu"], storage.AllSeries().Where(s => s.Name == "g").Select(s => s.Get("region")).Order(StringComparer.Ordinal));
    }
}

/// <summary>OTLP over the embedded TSDB: the storage's refusals (a clock in the wrong unit) come back as 400s.</summary>
[Collection(EmbeddedTsdbCollection.Name)]
public sealed class OtlpStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vigil-otlp-tsdb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Post_PointElevenMinutesAhead_400NamingTheSeriesAndNothingStored()
    {
        using var storage = TsdbStorage.Open(new TsdbOptions { DataDir = _dir, DisableBackgroundMaintenance = true, Retention = TimeSpan.Zero });
        await using var vigil = await TestVigil.StartAsync(new VigilServerOptions { Listen = TestVigil.Loopback, CollectHost = false, CollectSelf = false }, storage);
        var http = vigil.Http;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var request = Request(Gauge("ok_metric", "", Point(now, 1)), Gauge("orders", "", Point(now + 660_000, 3)));
        var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var r = await http.PostAsync("/v1/metrics", content);

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        string message = Collection.Otlp.Proto.Status.Parser.ParseFrom(await r.Content.ReadAsByteArrayAsync()).Message;
        Assert.Contains("too far in the future", message, StringComparison.Ordinal);
        Assert.Contains("orders", message, StringComparison.Ordinal);
        Assert.Contains((now + 660_000).ToString(CultureInfo.InvariantCulture), message, StringComparison.Ordinal);
        using var q = storage.Querier(long.MinValue / 2, long.MaxValue / 2);
        Assert.Empty(q.Select(true, null, LabelMatcher.Equal("__name__", "ok_metric")).ToList());
        Assert.Equal(1, storage.Head.Stats.TooFarInFutureSamples);
    }
}
