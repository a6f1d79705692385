using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Labels;
using Vigil.Core.Model;
using Vigil.Core.Storage;
using Vigil.Server.Config;
using Vigil.Collection.Scrape;

namespace Vigil.Server.Tests.Scrape;

/// <summary>The scrape loop's append path without HTTP: allocation in the steady state, staleness bookkeeping.</summary>
public sealed class ScrapeLoopTests
{
    /// <summary>An appender that hands out references and keeps nothing, so that only the loop's own allocations count.</summary>
    private sealed class NullStorage : IAppendable, IAppender
    {
        private ulong _next;

        public int Appended { get; private set; }

        public int Stale { get; private set; }

        public IAppender Appender() => this;

        public bool TryAppend(ref SeriesRef seriesRef, LabelSet labels, long timestampMs, double value, out AppendError error)
        {
            if (!seriesRef.IsSet)
            {
                seriesRef = new SeriesRef(++_next);
            }
            Appended++;
            if (StaleMarker.IsStaleNaN(value))
            {
                Stale++;
            }
            error = AppendError.None;
            return true;
        }

        public void Commit()
        {
        }

        public void Rollback()
        {
        }
    }

    private static (ScrapeLoop Loop, NullStorage Storage, IDisposable Cleanup) CreateLoop(string jobYaml = "")
    {
        var config = VigilConfig.Parse("scrape_configs:\n  - job_name: j\n" + jobYaml).ScrapeConfigs[0];
        var target = new ScrapeTarget("j", LabelSet.Of(
            "__address__", "h:1", "__scheme__", "http", "__metrics_path__", "/metrics", "__scrape_interval__", "1m", "__scrape_timeout__", "10s",
            "job", "j", "instance", "h:1"), LabelSet.Empty, config.Params);
        var storage = new NullStorage();
        var scraper = new TargetScraper(config);
        var instruments = new ScrapeInstruments();
        var loop = new ScrapeLoop(target, config, scraper, storage, instruments, NullLogger.Instance, TimeProvider.System);
        return (loop, storage, new Cleanup(scraper, instruments));
    }

    private sealed class Cleanup(TargetScraper scraper, ScrapeInstruments instruments) : IDisposable
    {
        public void Dispose()
        {
            scraper.Dispose();
            instruments.Dispose();
        }
    }

    private static ScrapeBody Body(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return new ScrapeBody(bytes, bytes.Length, "text/plain; version=0.0.4; charset=utf-8");
    }

    [Fact]
    public void AppendScrape_SteadyState_AllocatesNothingPerSample()
    {
        const int series = 5000;
        var sb = new StringBuilder("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n");
        for (int i = 0; i < series; i++)
        {
            sb.Append("http_requests_total{method=\"GET\",code=\"200\",handler=\"/api/v").Append(i).Append("\"} ").Append(i * 3).Append('\n');
        }
        var body = Body(sb.ToString());
        var (loop, storage, cleanup) = CreateLoop();
        using (cleanup)
        {
            long ts = 1_700_000_000_000;
            for (int i = 0; i < 3; i++)
            {
                loop.AppendScrape(body, ts++, null, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            loop.AppendScrape(body, ts, null, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.True(allocated < series, $"a steady-state scrape of {series} samples allocated {allocated} bytes");
            Assert.Equal(4 * (series + 5), storage.Appended);
            Assert.Equal(0, storage.Stale);
            Assert.Equal(TargetHealth.Up, loop.Target.Health);
        }
    }

    [Fact]
    public void AppendScrape_FailureAfterSuccess_MarksEveryLiveSeriesStaleOnce()
    {
        var (loop, storage, cleanup) = CreateLoop();
        using (cleanup)
        {
            loop.AppendScrape(Body("a 1\nb 2\nc 3 1600000000000\n"), 1000, null, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            loop.AppendScrape(default, 2000, "server returned HTTP status 503 Service Unavailable", DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            // a and b go stale; c has an explicit timestamp and is not tracked, as in Prometheus.
            Assert.Equal(2, storage.Stale);
            loop.AppendScrape(default, 3000, "server returned HTTP status 503 Service Unavailable", DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            Assert.Equal(2, storage.Stale);
            Assert.Equal("server returned HTTP status 503 Service Unavailable", loop.Target.LastError);
        }
    }

    [Fact]
    public void AppendScrape_TrackTimestampsStaleness_MarksSeriesWithTimestampsToo()
    {
        var (loop, storage, cleanup) = CreateLoop("    track_timestamps_staleness: true\n");
        using (cleanup)
        {
            loop.AppendScrape(Body("c 3 1600000000000\n"), 1000, null, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            loop.AppendScrape(Body("d 1\n"), 2000, null, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            Assert.Equal(1, storage.Stale);
        }
    }
}
