using Vigil.PromQL.Testing;

namespace Vigil.PromQL.Tests;

public sealed class PromQLTestRunnerTests
{
    private static PromQLTestFileResult Run(string script)
        => new PromQLTestRunner(() => new MemoryStorage()).RunText("inline.test", script);

    private const string Load = "load 1m\n  up{job=\"a\"} 1 2 3\n  up{job=\"b\"} 5 5 5\n\n";

    [Fact]
    public void RunText_CorrectExpectations_Passes()
    {
        var r = Run(Load + "eval instant at 2m up\n  up{job=\"a\"} 3\n  up{job=\"b\"} 5\n\neval range from 0 to 2m step 1m sum(up)\n  {} 6 7 8\n");
        Assert.True(r.Success, string.Join("\n", r.Evals.Select(e => e.Message)));
        Assert.Equal(2, r.Passed);
    }

    [Fact]
    public void RunText_WrongValue_FailsNamingLineAndValues()
    {
        var r = Run(Load + "eval instant at 2m up\n  up{job=\"a\"} 4\n  up{job=\"b\"} 5\n");
        var e = Assert.Single(r.Evals);
        Assert.Equal(EvalStatus.Failed, e.Status);
        Assert.Contains("inline.test:5:", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected 4 for up{job=\"a\"} but got 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunText_MissingAndUnexpectedSeries_Fail()
    {
        Assert.Equal(EvalStatus.Failed, Assert.Single(Run(Load + "eval instant at 2m up{job=\"a\"}\n").Evals).Status);
        Assert.Equal(EvalStatus.Failed, Assert.Single(Run(Load + "eval instant at 2m up{job=\"a\"}\n  up{job=\"a\"} 3\n  up{job=\"c\"} 1\n").Evals).Status);
    }

    [Fact]
    public void RunText_RangePointsAtWrongSteps_Fail()
    {
        var r = Run(Load + "eval range from 0 to 2m step 1m up{job=\"a\"}\n  up{job=\"a\"} 1 _ 3\n");
        Assert.Equal(EvalStatus.Failed, Assert.Single(r.Evals).Status);
    }

    [Fact]
    public void RunText_ExpectFailButQuerySucceeds_Fails()
    {
        var r = Run(Load + "eval instant at 2m up\n  expect fail\n");
        Assert.Contains("expected error", Assert.Single(r.Evals).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunText_ExpectedFailureMessage_MustMatchExactly()
    {
        string q = "eval instant at 0m -{__name__=~\"up|down\"}\n";
        var ok = Run("load 1m\n  up{job=\"a\"} 1\n  down{job=\"a\"} 2\n\n" + q + "  expect fail msg: vector cannot contain metrics with the same labelset\n");
        Assert.True(ok.Success, string.Join("\n", ok.Evals.Select(e => e.Message)));
        var bad = Run("load 1m\n  up{job=\"a\"} 1\n  down{job=\"a\"} 2\n\n" + q + "  expect fail msg: something else\n");
        Assert.Equal(EvalStatus.Failed, Assert.Single(bad.Evals).Status);
    }

    [Fact]
    public void RunText_ExpectedWarningMissing_Fails()
    {
        var r = Run(Load + "eval instant at 2m sum(up)\n  expect warn\n  {} 8\n");
        Assert.Contains("expected warnings but got none", Assert.Single(r.Evals).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunText_ExpectedWarningWithPosition_Passes()
    {
        var r = Run(Load + "eval instant at 2m quantile(2, up)\n  expect warn msg: PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)\n  {} +Inf\n");
        Assert.True(r.Success, string.Join("\n", r.Evals.Select(e => e.Message)));
    }

    [Fact]
    public void RunText_OrderedExpectationViolated_Fails()
    {
        var ok = Run(Load + "eval instant at 2m sort_desc(up)\n  expect ordered\n  up{job=\"b\"} 5\n  up{job=\"a\"} 3\n");
        Assert.True(ok.Success, string.Join("\n", ok.Evals.Select(e => e.Message)));
        var bad = Run(Load + "eval instant at 2m sort(up)\n  expect ordered\n  up{job=\"b\"} 5\n  up{job=\"a\"} 3\n");
        Assert.Equal(EvalStatus.Failed, Assert.Single(bad.Evals).Status);
    }

    [Fact]
    public void RunText_NativeHistogramSeries_SelectedAndComparedAsHistograms()
    {
        var r = Run("load 1m\n  h {{schema:0 sum:1 count:1 buckets:[1]}}+{{schema:0 sum:2 count:2 buckets:[1 1]}}x3\n\n"
            + "eval instant at 2m h\n  h {{schema:0 sum:5 count:5 buckets:[3 2]}}\n\n"
            + "eval range from 0 to 2m step 1m histogram_count(h)\n  {} 1 3 5\n");
        Assert.True(r.Success, r.InvalidScript + string.Join("\n", r.Evals.Select(e => e.Message)));
        Assert.All(r.Evals, e => Assert.Equal(EvalStatus.Passed, e.Status));
    }

    [Fact]
    public void RunText_NativeHistogramWithWrongBucket_FailsNamingBothHistograms()
    {
        var r = Run("load 1m\n  h {{schema:0 sum:1 count:1 buckets:[1]}}x3\n\neval instant at 1m h\n  h {{schema:0 sum:1 count:1 buckets:[2]}}\n");
        var e = Assert.Single(r.Evals);
        Assert.NotEqual(EvalStatus.Passed, e.Status);
        Assert.Contains("expected histogram {count:1, sum:1, (0.5,1]:2}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunText_FloatExpectedButHistogramReturned_DoesNotPass()
    {
        var r = Run("load 1m\n  h {{schema:0 sum:1 count:1}}x3\n\neval instant at 1m h\n  h 1\n");
        Assert.NotEqual(EvalStatus.Passed, Assert.Single(r.Evals).Status);
    }

    [Theory]
    [InlineData("increase(d[5m])", "300")]
    [InlineData("irate(d[5m])", "1")]
    [InlineData("resets(d[5m])", "4")]
    [InlineData("increase(d[5m:1m])", "0")]
    public void RunText_StartTimestamps_DeltaSamplesCountAsRestarts(string query, string expected)
    {
        // Every sample is a delta of 60 that started when the previous sample was taken; without start timestamps
        // the series looks constant.
        var r = Run("load 1m\n  d@st _ _ -1mx15\n  d _ _ 60x15\n\neval instant at 10m " + query + "\n  {} " + expected + "\n");
        Assert.True(r.Success, r.InvalidScript + string.Join("\n", r.Evals.Select(e => e.Message)));
    }

    [Fact]
    public void RunText_StartTimestampThatOverlapsThePreviousSample_Warns()
    {
        var r = Run("load 1m\n  c_total@st _ _ -2m -2m -2m\n  c_total _ _ 60 120 180\n\neval instant at 4m rate(c_total[3m])\n  {} 1\n"
            + "  expect warn msg: PromQL warning: sample has start time that overlaps with previous sample timestamp for metric \"c_total\" (1:6)\n");
        Assert.True(r.Success, r.InvalidScript + string.Join("\n", r.Evals.Select(e => e.Message)));
    }

    [Fact]
    public void RunText_InvalidStartTimestamp_MakesScriptInvalid()
    {
        var r = Run("load 1m\n  d@st 1x\n  d 1\n");
        Assert.Contains("invalid start timestamp \"1x\"", r.InvalidScript, StringComparison.Ordinal);
    }

    [Fact]
    public void RunText_InvalidCommand_MakesScriptInvalid()
    {
        var r = Run("lod 1m\n  up 1\n");
        Assert.NotNull(r.InvalidScript);
        Assert.Contains("line 1", r.InvalidScript, StringComparison.Ordinal);
    }

    [Fact]
    public void AtModifierVariants_InjectsAtIntoSelectorsOutsideSubqueries()
    {
        var v = PromQLTestRunner.AtModifierVariants("rate(x[5m]) + max_over_time(y[10m:1m])", 60_000);
        Assert.Equal(5, v.Count);
        Assert.Equal("rate(x[5m] @ 60.000) + max_over_time(y[10m:1m] @ 60.000)", v[0].Expr);
        Assert.Equal([-600_000L, 0, 12_000, 60_000, 600_000], v.Select(x => x.T));
        Assert.Empty(PromQLTestRunner.AtModifierVariants("time() + x", 60_000));
    }

    [Fact]
    public void RunDirectory_SharedTestData_PrintsPerFileCountsAndSucceeds()
    {
        var output = new StringWriter();
        int code = new PromQLTestRunner(() => new HeadStorage()).RunDirectory(TestData.PromQLDirectory, output);
        string text = output.ToString();
        Assert.True(code == 0, text);
        Assert.Contains("functions.test: ran ", text, StringComparison.Ordinal);
        Assert.Contains("total: ", text, StringComparison.Ordinal);
    }
}
