using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.PromQL.Tests;

public sealed class PromQLEngineTests
{
    private static MemoryStorage Storage(int seriesCount = 3, int samples = 100, long intervalMs = 15_000)
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        for (int s = 0; s < seriesCount; s++)
        {
            var labels = LabelSet.Of("__name__", "http_requests_total", "job", "api", "instance", "i" + s);
            for (int i = 0; i < samples; i++)
            {
                app.Append(labels, i * intervalMs, (s + 1) * i);
            }
        }
        app.Commit();
        return storage;
    }

    [Fact]
    public void InstantQuery_Rate_ReturnsPerSecondRateWithoutMetricName()
    {
        var res = new PromQLEngine().InstantQuery(Storage(), "rate(http_requests_total{instance=\"i1\"}[5m])", 900_000);
        var vec = Assert.IsType<VectorValue>(res.Value);
        var s = Assert.Single(vec.Samples);
        Assert.Equal(LabelSet.Of("job", "api", "instance", "i1"), s.Labels);
        Assert.Equal(2 / 15.0, s.V, 9);
        Assert.Equal(900_000, s.T);
    }

    [Fact]
    public void RangeQuery_SumByJob_ReturnsOnePointPerStepSortedMatrix()
    {
        var res = new PromQLEngine().RangeQuery(Storage(), "sum by (job) (http_requests_total)", 0, 60_000, 15_000);
        var mat = Assert.IsType<MatrixValue>(res.Value);
        var s = Assert.Single(mat.Series);
        Assert.Equal(LabelSet.Of("job", "api"), s.Metric);
        Assert.Equal([0, 6, 12, 18, 24], s.Points.Select(p => p.F));
        Assert.Equal([0L, 15_000, 30_000, 45_000, 60_000], s.Points.Select(p => p.T));
    }

    [Theory]
    [InlineData("rate(m[5m])")]
    [InlineData("-m")]
    [InlineData("m * 2")]
    [InlineData("m / ignoring(x) m")]
    public void InstantQuery_OperationDropsName_AlsoDropsTypeAndUnitLabels(string query)
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        var labels = LabelSet.Of("__name__", "m", "__type__", "counter", "__unit__", "seconds", "job", "a");
        for (int i = 0; i < 20; i++)
        {
            app.Append(labels, i * 15_000L, i);
        }
        app.Commit();
        foreach (var engine in new[] { new PromQLEngine(), new PromQLEngine(new EngineOptions { DelayedNameRemoval = true }) })
        {
            var s = Assert.Single(((VectorValue)engine.InstantQuery(storage, query, 285_000).Value).Samples);
            Assert.Equal(LabelSet.Of("job", "a"), s.Labels);
        }
    }

    [Theory]
    [InlineData("info(m)", "m{instance=\"i\", job=\"j\", version=\"2\", zone=\"z\"}")]
    [InlineData("info(m, {zone=~\".+\"})", "m{instance=\"i\", job=\"j\", zone=\"z\"}")]
    [InlineData("info(m, {missing=~\".+\"})", null)]
    [InlineData("info(m, {missing=~\".*\"})", "m{instance=\"i\", job=\"j\"}")]
    [InlineData("info(m offset 2m)", "m{instance=\"i\", job=\"j\", version=\"1\", zone=\"z\"}")]
    public void InstantQuery_Info_AddsDataLabelsOfTheTargetInfoSeriesCurrentAtTheSelectorsTime(string query, string? expected)
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        var metric = LabelSet.Of("__name__", "m", "instance", "i", "job", "j");
        var v1 = LabelSet.Of("__name__", "target_info", "instance", "i", "job", "j", "version", "1", "zone", "z");
        var v2 = LabelSet.Of("__name__", "target_info", "instance", "i", "job", "j", "version", "2", "zone", "z");
        for (int i = 0; i <= 4; i++)
        {
            app.Append(metric, i * 60_000L, i);
            app.Append(i < 3 ? v1 : v2, i * 60_000L, 1);
        }
        app.Append(v1, 180_000, StaleMarker.StaleNaN);
        app.Commit();
        var samples = ((VectorValue)new PromQLEngine().InstantQuery(storage, query, 240_000).Value).Samples;
        if (expected is null)
        {
            Assert.Empty(samples);
            return;
        }
        Assert.Equal(expected, Assert.Single(samples).Labels.ToString());
    }

    [Theory]
    [InlineData("increase(c[1m])", 8)]
    [InlineData("increase(c[1m] anchored)", 7)]
    [InlineData("increase(c[1m] smoothed)", 7)]
    [InlineData("changes(c[1m] anchored)", 4)]
    [InlineData("c offset 20s smoothed", 12 + (5 / 15.0))]
    public void InstantQuery_AnchoredAndSmoothed_UseTheValuesAtTheRangeBoundaries(string query, double expected)
    {
        // 1 2 3 4 5 9 10 11 12 13 every 15 s: a jump of 4 between 60 s and 75 s.
        var storage = new MemoryStorage();
        var app = storage.Appender();
        var labels = LabelSet.Of("__name__", "c");
        double[] values = [1, 2, 3, 4, 5, 9, 10, 11, 12, 13];
        for (int i = 0; i < values.Length; i++)
        {
            app.Append(labels, i * 15_000L, values[i]);
        }
        app.Commit();
        var s = Assert.Single(((VectorValue)new PromQLEngine().InstantQuery(storage, query, 95_000 + (query.Contains("offset") ? 50_000 : 0)).Value).Samples);
        Assert.Equal(expected, s.V, 9);
    }

    [Fact]
    public void InstantQuery_InfoOverMoreInfoSamplesThanTheLimit_FailsWithTooManySamples()
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        app.Append(LabelSet.Of("__name__", "m", "job", "j"), 0, 1);
        for (int i = 0; i < 500; i++)
        {
            app.Append(LabelSet.Of("__name__", "big_info", "job", "j", "n", "v" + i), 0, 1);
        }
        app.Commit();
        var engine = new PromQLEngine(new EngineOptions { MaxSamples = 100 });
        var ex = Assert.Throws<PromQLException>(() => engine.InstantQuery(storage, "info(m, {__name__=~\".+\"})", 1_000));
        Assert.Contains("too many samples", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InstantQuery_SmoothedWithUnsupportedFunction_FailsNamingTheAllowedOnes()
    {
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().InstantQuery(new MemoryStorage(), "deriv(x[5m] smoothed)", 60_000));
        Assert.Equal("smoothed modifier can only be used with: delta, increase, rate - not with deriv", ex.Message);
    }

    [Fact]
    public void InstantQuery_StaleMarker_EndsSeriesBeforeLookbackExpires()
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        var labels = LabelSet.Of("__name__", "m");
        app.Append(labels, 0, 1);
        app.Append(labels, 10_000, StaleMarker.StaleNaN);
        app.Commit();
        var engine = new PromQLEngine();
        Assert.Single(((VectorValue)engine.InstantQuery(storage, "m", 5_000).Value).Samples);
        Assert.Empty(((VectorValue)engine.InstantQuery(storage, "m", 20_000).Value).Samples);
    }

    [Fact]
    public void InstantQuery_SyntaxError_ThrowsBadDataWithPosition()
    {
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().InstantQuery(Storage(), "sum(rate(x[5m])", 0));
        Assert.Equal(QueryErrorType.BadData, ex.ErrorType);
        Assert.Equal("bad_data", ex.ErrorType.ApiName());
        Assert.Equal(400, ex.ErrorType.HttpStatus());
        Assert.StartsWith("1:16: parse error:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeQuery_RangeVectorExpression_ThrowsBadData()
    {
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().RangeQuery(Storage(), "http_requests_total[5m]", 0, 60_000, 15_000));
        Assert.Equal(QueryErrorType.BadData, ex.ErrorType);
        Assert.Equal("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector", ex.Message);
    }

    [Fact]
    public void RangeQuery_TooManyPoints_ThrowsBeforeEvaluating()
    {
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().RangeQuery(Storage(), "up", 0, 11_001_000, 1_000));
        Assert.Equal(QueryErrorType.BadData, ex.ErrorType);
        Assert.Contains("exceeded maximum resolution of 11,000 points per timeseries", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RangeQuery_ZeroStep_ThrowsBadData()
    {
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().RangeQuery(Storage(), "up", 0, 1000, 0));
        Assert.Equal(QueryErrorType.BadData, ex.ErrorType);
    }

    [Fact]
    public void Query_ExceedingMaxSamples_ThrowsExecutionError()
    {
        var engine = new PromQLEngine(new EngineOptions { MaxSamples = 50 });
        var ex = Assert.Throws<PromQLException>(() => engine.RangeQuery(Storage(), "http_requests_total", 0, 1_485_000, 15_000));
        Assert.Equal(QueryErrorType.Execution, ex.ErrorType);
        Assert.Equal("query processing would load too many samples into memory in query execution", ex.Message);
    }

    [Fact]
    public void Query_CanceledToken_ThrowsCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().InstantQuery(Storage(), "http_requests_total", 0, null, cts.Token));
        Assert.Equal(QueryErrorType.Canceled, ex.ErrorType);
    }

    [Fact]
    public void Query_Timeout_ThrowsTimeout()
    {
        var engine = new PromQLEngine(new EngineOptions { Timeout = TimeSpan.FromMilliseconds(20) });
        var ex = Assert.Throws<PromQLException>(() => engine.RangeQuery(new SlowStorage(Storage()), "sum(rate(http_requests_total[5m]))", 0, 1_485_000, 15_000));
        Assert.Equal(QueryErrorType.Timeout, ex.ErrorType);
        Assert.StartsWith("query timed out in", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A storage whose selects take 200 ms, so a short timeout expires before evaluation.</summary>
    private sealed class SlowStorage(IStorage inner) : IStorage
    {
        public long StartTime => inner.StartTime;

        public IAppender Appender() => inner.Appender();

        public IQuerier Querier(long mint, long maxt) => new SlowQuerier(inner.Querier(mint, maxt));

        private sealed class SlowQuerier(IQuerier inner) : IQuerier
        {
            public long MinTime => inner.MinTime;

            public long MaxTime => inner.MaxTime;

            public ISeriesSet Select(bool sortSeries, SelectHints? hints, params LabelMatcher[] matchers)
            {
                Thread.Sleep(200);
                return inner.Select(sortSeries, hints, matchers);
            }

            public IReadOnlyList<string> LabelValues(string name, params LabelMatcher[] matchers) => inner.LabelValues(name, matchers);

            public IReadOnlyList<string> LabelNames(params LabelMatcher[] matchers) => inner.LabelNames(matchers);

            public void Dispose() => inner.Dispose();
        }
    }

    [Fact]
    public void InstantQuery_RateOfNonCounterName_ReportsInfoWithPosition()
    {
        var storage = new MemoryStorage();
        var app = storage.Appender();
        var labels = LabelSet.Of("__name__", "temperature");
        for (int i = 0; i < 10; i++)
        {
            app.Append(labels, i * 15_000, i);
        }
        app.Commit();
        var res = new PromQLEngine().InstantQuery(storage, "rate(temperature[5m])", 135_000);
        Assert.Equal(["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"temperature\" (1:6)"], res.Infos);
        Assert.Empty(res.Warnings);
    }

    [Fact]
    public void InstantQuery_ManyToManyMatch_ThrowsExecutionErrorNamingSeries()
    {
        var storage = Storage();
        var ex = Assert.Throws<PromQLException>(() => new PromQLEngine().InstantQuery(storage, "vector(1) + on() http_requests_total", 60_000));
        Assert.Equal(QueryErrorType.Execution, ex.ErrorType);
        Assert.StartsWith("found duplicate series for the match group {} on the right hand-side of the operation", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InstantQuery_StringAndScalarLiterals_ReturnTypedValues()
    {
        var engine = new PromQLEngine();
        var str = Assert.IsType<StringValue>(engine.InstantQuery(new MemoryStorage(), "\"a\\tb\"", 1000).Value);
        Assert.Equal("a\tb", str.Value);
        var sc = Assert.IsType<ScalarValue>(engine.InstantQuery(new MemoryStorage(), "2 ^ 10 + time()", 5000).Value);
        Assert.Equal(1029, sc.V);
        Assert.Equal(5000, sc.T);
    }

    [Fact]
    public void InstantQuery_RangeVectorSelector_ReturnsRawSamplesInLeftOpenWindow()
    {
        var res = new PromQLEngine().InstantQuery(Storage(1), "http_requests_total[1m]", 60_000);
        var s = Assert.Single(Assert.IsType<MatrixValue>(res.Value).Series);
        Assert.Equal([15_000L, 30_000, 45_000, 60_000], s.Points.Select(p => p.T));
        Assert.Equal(4, res.SamplesLoaded);
    }

    [Fact]
    public void RangeQuery_SubqueryWithDefaultStep_UsesOneMinuteSteps()
    {
        var res = new PromQLEngine().InstantQuery(Storage(1), "count_over_time(http_requests_total[10m:])", 600_000);
        var s = Assert.Single(Assert.IsType<VectorValue>(res.Value).Samples);
        Assert.Equal(10, s.V);
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "http_requests_total")]
    public void InstantQuery_NameRemovalMode_DecidesWhatLabelReplaceSees(bool delayed, string expectedSource)
    {
        var engine = new PromQLEngine(new EngineOptions { DelayedNameRemoval = delayed });
        var res = engine.InstantQuery(Storage(1), "label_replace(rate(http_requests_total[5m]), \"src\", \"$1\", \"__name__\", \"(.*)\")", 600_000);
        var s = Assert.Single(Assert.IsType<VectorValue>(res.Value).Samples);
        Assert.Equal(expectedSource, s.Labels.Get("src"));
        Assert.Equal(string.Empty, s.Labels.Name);
    }
}
