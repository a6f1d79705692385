using Google.Protobuf;
using Vigil.Collection.Push;
using Vigil.Collection.Push.RemoteWrite;
using Vigil.Collection.Scrape;
using Vigil.Core.Exposition;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Server.Tests.TestSupport;
using V1 = Vigil.Collection.Push.RemoteWrite.V1;
using V2 = Vigil.Collection.Push.RemoteWrite.V2;

namespace Vigil.Server.Tests.RemoteWrite;

/// <summary>
/// Decoding and storing remote-write 1.0 and 2.0 messages. Requests are built with Google.Protobuf's encoder from the
/// generated types, so Vigil's hand-written reader is checked against an independent writer.
/// </summary>
public sealed class RemoteWriteReceiverTests
{
    private const long T0 = 1_700_000_000_000;

    private readonly MemoryStorage _storage = new();
    private readonly PushedMetadata _metadata = new();
    private readonly PushSeriesCache _cache = new();

    private RemoteWriteResult Write(IMessage message, RemoteWriteProtocol protocol)
        => new RemoteWriteReceiver(_storage, _metadata, _cache).Write(message.ToByteArray(), protocol);

    private static V1.TimeSeries Series(string[] labels, params (long T, double V)[] samples)
    {
        var ts = new V1.TimeSeries();
        for (int i = 0; i < labels.Length; i += 2)
        {
            ts.Labels.Add(new V1.Label { Name = labels[i], Value = labels[i + 1] });
        }
        foreach (var (t, v) in samples)
        {
            ts.Samples.Add(new V1.Sample { Timestamp = t, Value = v });
        }
        return ts;
    }

    [Fact]
    public void Write_V1WithMetadata_StoresEverySampleAndTheMetadata()
    {
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "http_requests_total", "code", "200", "job", "api"], (T0, 1), (T0 + 15_000, 5), (T0 + 30_000, 0)));
        request.Timeseries.Add(Series(["__name__", "temperature_celsius", "room", "lab"], (T0, -3.5)));
        request.Metadata.Add(new V1.MetricMetadata { MetricFamilyName = "http_requests_total", Type = V1.MetricMetadata.Types.MetricType.Counter, Help = "Requests served.", Unit = "" });
        request.Metadata.Add(new V1.MetricMetadata { MetricFamilyName = "temperature_celsius", Type = V1.MetricMetadata.Types.MetricType.Gauge, Help = "Air.", Unit = "celsius" });

        var result = Write(request, RemoteWriteProtocol.V1);

        Assert.Null(result.Error);
        Assert.Equal(4, result.Samples);
        var requests = LabelSet.Of("__name__", "http_requests_total", "code", "200", "job", "api");
        Assert.Equal([new Sample(T0, 1), new Sample(T0 + 15_000, 5), new Sample(T0 + 30_000, 0)], _storage.SamplesOf(requests));
        Assert.Equal([new Sample(T0, -3.5)], _storage.SamplesOf(LabelSet.Of("__name__", "temperature_celsius", "room", "lab")));
        var md = _metadata.All().OrderBy(m => m.Metric).ToList();
        Assert.Equal([new MetricMetadata("http_requests_total", MetricType.Counter, "Requests served.", ""), new MetricMetadata("temperature_celsius", MetricType.Gauge, "Air.", "celsius")], md);
    }

    [Fact]
    public void Write_V2WithSymbolTable_StoresSamplesAndMetadataUnderTheFamilyName()
    {
        var request = new V2.Request();
        request.Symbols.AddRange(["", "__name__", "rpc_seconds_bucket", "le", "0.5", "job", "api", "Time per call.", "seconds", "rpc_seconds_count", "+Inf"]);
        var bucket = new V2.TimeSeries { Metadata = new V2.Metadata { Type = V2.Metadata.Types.MetricType.Histogram, HelpRef = 7, UnitRef = 8 } };
        bucket.LabelsRefs.AddRange([1, 2, 5, 6, 3, 4]);
        bucket.Samples.Add(new V2.Sample { Timestamp = T0, Value = 3 });
        bucket.Samples.Add(new V2.Sample { Timestamp = T0 + 1000, Value = 4 });
        var count = new V2.TimeSeries();
        count.LabelsRefs.AddRange([1, 9, 5, 6]);
        count.Samples.Add(new V2.Sample { Timestamp = T0, Value = 7 });
        request.Timeseries.Add(bucket);
        request.Timeseries.Add(count);

        var result = Write(request, RemoteWriteProtocol.V2);

        Assert.Null(result.Error);
        Assert.Equal(3, result.Samples);
        Assert.Equal([new Sample(T0, 3), new Sample(T0 + 1000, 4)], _storage.SamplesOf(LabelSet.Of("__name__", "rpc_seconds_bucket", "job", "api", "le", "0.5")));
        Assert.Equal([new Sample(T0, 7)], _storage.SamplesOf(LabelSet.Of("__name__", "rpc_seconds_count", "job", "api")));
        Assert.Equal(new MetricMetadata("rpc_seconds", MetricType.Histogram, "Time per call.", "seconds"), Assert.Single(_metadata.All()));
    }

    [Fact]
    public void Write_V2CreatedTimestamps_IgnoredOnlyRealSamplesStored()
    {
        var request = new V2.Request();
        request.Symbols.AddRange(["", "__name__", "jobs_total"]);
        var ts = new V2.TimeSeries { CreatedTimestamp = T0 - 60_000 };
        ts.LabelsRefs.AddRange([1, 2]);
        ts.Samples.Add(new V2.Sample { Timestamp = T0, Value = 10, StartTimestamp = T0 - 60_000 });
        request.Timeseries.Add(ts);

        var result = Write(request, RemoteWriteProtocol.V2);

        Assert.Null(result.Error);
        Assert.Equal([new Sample(T0, 10)], _storage.SamplesOf(LabelSet.Of("__name__", "jobs_total")));
    }

    [Fact]
    public void Write_LabelsNotSortedByTheSender_StoredSorted()
    {
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["zone", "b", "__name__", "up", "instance", "h:9100"], (T0, 1)));

        Assert.Null(Write(request, RemoteWriteProtocol.V1).Error);

        Assert.Equal(LabelSet.Of("__name__", "up", "instance", "h:9100", "zone", "b"), Assert.Single(_storage.AllSeries()));
    }

    [Fact]
    public void Write_EmptyLabelValue_MeansNoLabel()
    {
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "up", "env", ""], (T0, 1)));

        Assert.Null(Write(request, RemoteWriteProtocol.V1).Error);

        Assert.Equal(LabelSet.Of("__name__", "up"), Assert.Single(_storage.AllSeries()));
    }

    [Theory]
    [InlineData(new[] { "__name__", "up", "job", "a", "job", "b" }, "duplicate label name \"job\"")]
    [InlineData(new[] { "job", "a" }, "missing metric name")]
    [InlineData(new[] { "__name__", "up", "", "x" }, "invalid label name")]
    public void Write_InvalidLabelsInOneSeries_NothingStoredAndTheSeriesNamed(string[] badLabels, string expected)
    {
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "fine", "job", "a"], (T0, 1)));
        request.Timeseries.Add(Series(badLabels, (T0, 2)));

        var result = Write(request, RemoteWriteProtocol.V1);

        Assert.NotNull(result.Error);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Equal(0, result.Samples);
        Assert.Empty(_storage.AllSeries());
        Assert.Equal(1, _storage.Rollbacks);
    }

    [Fact]
    public void Write_LabelNotValidUtf8_Refused()
    {
        // Label { name = "__name__", value = 0xFF 0xFE } inside TimeSeries inside WriteRequest, with one sample.
        byte[] label = [0x0A, 8, .. "__name__"u8, 0x12, 2, 0xFF, 0xFE];
        byte[] sample = [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x10, 1];
        byte[] series = [0x0A, (byte)label.Length, .. label, 0x12, (byte)sample.Length, .. sample];
        byte[] request = [0x0A, (byte)series.Length, .. series];

        var result = new RemoteWriteReceiver(_storage, _metadata, _cache).Write(request, RemoteWriteProtocol.V1);

        Assert.Contains("not valid UTF-8", result.Error, StringComparison.Ordinal);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public void Write_SampleRefusedByTheStorageMidRequest_NothingOfTheRequestStored()
    {
        var first = new V1.WriteRequest();
        first.Timeseries.Add(Series(["__name__", "b"], (T0 + 1000, 1)));
        Assert.Null(Write(first, RemoteWriteProtocol.V1).Error);
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "a"], (T0, 1)));
        request.Timeseries.Add(Series(["__name__", "b"], (T0, 2)));

        var result = Write(request, RemoteWriteProtocol.V1);

        Assert.Equal(AppendError.OutOfOrder, result.Refusal);
        Assert.Contains("out of order sample for series b{} at timestamp 1700000000000", result.Error, StringComparison.Ordinal);
        Assert.Equal(LabelSet.Of("__name__", "b"), Assert.Single(_storage.AllSeries()));
        Assert.Equal([new Sample(T0 + 1000, 1)], _storage.SamplesOf(LabelSet.Of("__name__", "b")));
    }

    [Fact]
    public void Write_SeriesSamplesOutOfOrderWithinTheRequest_StoredInTimeOrder()
    {
        // vmagent merges its workers' buffers into one block: one series can come twice, newer samples first.
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "up", "host", "a"], (T0 + 2000, 3), (T0 + 3000, 4)));
        request.Timeseries.Add(Series(["__name__", "up", "host", "b"], (T0, 9)));
        request.Timeseries.Add(Series(["__name__", "up", "host", "a"], (T0, 1), (T0 + 1000, 2)));

        var result = Write(request, RemoteWriteProtocol.V1);

        Assert.Null(result.Error);
        Assert.Equal(5, result.Samples);
        Assert.Equal([new Sample(T0, 1), new Sample(T0 + 1000, 2), new Sample(T0 + 2000, 3), new Sample(T0 + 3000, 4)],
            _storage.SamplesOf(LabelSet.Of("__name__", "up", "host", "a")));
        Assert.Equal([new Sample(T0, 9)], _storage.SamplesOf(LabelSet.Of("__name__", "up", "host", "b")));
    }

    [Fact]
    public void Write_NativeHistogramsAndExemplars_CountedAndDroppedFloatSamplesStored()
    {
        var request = new V1.WriteRequest();
        var ts = Series(["__name__", "latency_seconds"], (T0, 0.25));
        ts.Exemplars.Add(new V1.Exemplar { Value = 0.25, Timestamp = T0, Labels = { new V1.Label { Name = "trace_id", Value = "abc" } } });
        request.Timeseries.Add(ts);
        var native = Series(["__name__", "latency_native_seconds"]);
        native.Histograms.Add(new V1.Histogram { CountInt = 3, Sum = 1.5, Schema = 3, Timestamp = T0 });
        native.Histograms.Add(new V1.Histogram { CountFloat = 2, Sum = 1, Schema = 3, Timestamp = T0 + 1000 });
        request.Timeseries.Add(native);

        var result = Write(request, RemoteWriteProtocol.V1);

        Assert.Null(result.Error);
        Assert.Equal((1L, 2L, 1L), (result.Samples, result.HistogramsDropped, result.ExemplarsDropped));
        Assert.Equal(LabelSet.Of("__name__", "latency_seconds"), Assert.Single(_storage.AllSeries()));
    }

    [Fact]
    public void Write_StaleMarker_KeepsItsBits()
    {
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "up"], (T0, 1), (T0 + 1000, StaleMarker.StaleNaN)));

        Assert.Null(Write(request, RemoteWriteProtocol.V1).Error);

        Assert.True(StaleMarker.IsStaleNaN(_storage.SamplesOf(LabelSet.Of("__name__", "up"))[1].V));
    }

    [Fact]
    public void Write_SameSeriesInLaterRequests_FoundByItsLabelBytes()
    {
        for (int i = 0; i < 3; i++)
        {
            var request = new V1.WriteRequest();
            request.Timeseries.Add(Series(["__name__", "up", "job", "a"], (T0 + (i * 1000), i)));
            request.Timeseries.Add(Series(["__name__", "up", "job", "b"], (T0 + (i * 1000), i)));
            Assert.Null(Write(request, RemoteWriteProtocol.V1).Error);
        }

        Assert.Equal(2, _cache.Count);
        Assert.Equal(3, _storage.SamplesOf(LabelSet.Of("__name__", "up", "job", "b")).Count);
    }

    [Fact]
    public void Write_V2LabelReferenceOutOfRange_RefusedAsInvalidMessage()
    {
        var request = new V2.Request();
        request.Symbols.AddRange(["", "__name__", "up"]);
        var ts = new V2.TimeSeries();
        ts.LabelsRefs.AddRange([1, 7]);
        ts.Samples.Add(new V2.Sample { Timestamp = T0, Value = 1 });
        request.Timeseries.Add(ts);

        var result = Write(request, RemoteWriteProtocol.V2);

        Assert.Equal("invalid io.prometheus.write.v2.Request message: symbol reference 7 out of range (3 symbols)", result.Error);
    }

    [Fact]
    public void Write_V2OddNumberOfLabelReferences_Refused()
    {
        var request = new V2.Request();
        request.Symbols.AddRange(["", "__name__", "up"]);
        var ts = new V2.TimeSeries();
        ts.LabelsRefs.AddRange([1, 2, 1]);
        ts.Samples.Add(new V2.Sample { Timestamp = T0, Value = 1 });
        request.Timeseries.Add(ts);

        Assert.Contains("odd number of labels_refs", Write(request, RemoteWriteProtocol.V2).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_V1MessageReadAsV2_StoresNothingWithoutError()
    {
        // The 2.0 message reserves the fields of 1.0, so a 1.0 body sent with a 2.0 Content-Type decodes as empty.
        var request = new V1.WriteRequest();
        request.Timeseries.Add(Series(["__name__", "up"], (T0, 1)));

        var result = Write(request, RemoteWriteProtocol.V2);

        Assert.Null(result.Error);
        Assert.Equal(0, result.Samples);
        Assert.Empty(_storage.AllSeries());
    }

    [Fact]
    public void Write_RandomAndMutatedBytes_AnswerOrRefuseNeverThrow()
    {
        var valid = new V1.WriteRequest();
        valid.Timeseries.Add(Series(["__name__", "up", "job", "node", "instance", "h:9100"], (T0, 1), (T0 + 1000, 2)));
        valid.Metadata.Add(new V1.MetricMetadata { MetricFamilyName = "up", Type = V1.MetricMetadata.Types.MetricType.Gauge, Help = "Up." });
        byte[] seed = valid.ToByteArray();
        var random = new Random(15);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])seed.Clone();
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                }
                input = input[..random.Next(input.Length + 1)];
            }
            var storage = new MemoryStorage();
            var protocol = i % 3 == 0 ? RemoteWriteProtocol.V2 : RemoteWriteProtocol.V1;
            var result = new RemoteWriteReceiver(storage, new PushedMetadata(), new PushSeriesCache()).Write(input, protocol);
            if (result.Error is not null)
            {
                Assert.Empty(storage.AllSeries());
            }
            else
            {
                // A mutation may repeat a sample exactly, which is accepted and stored once.
                Assert.InRange(storage.AllSeries().Sum(s => storage.SamplesOf(s).Count), 0, result.Samples);
            }
        }
    }
}
