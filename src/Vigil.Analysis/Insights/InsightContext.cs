using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Labels;
using Vigil.Core.Storage;
using Vigil.PromQL.Engine;

namespace Vigil.Analysis.Insights;

/// <summary>What the engines work with on one run: the storage (through PromQL), the time, the settings and the anomaly scores.</summary>
internal sealed class InsightContext(ISampleQueryable storage, PromQLEngine engine, long nowMs, AnalysisInsightsConfig config,
    IReadOnlyList<AnomalousSeries> anomalous, IReadOnlyDictionary<string, (int Anomalous, int Scored)> rates, ILogger logger,
    CancellationToken cancellationToken = default)
{
    /// <summary>The time of this run (ms).</summary>
    public long NowMs { get; } = nowMs;

    /// <summary>The <c>analysis.insights</c> settings.</summary>
    public AnalysisInsightsConfig Config { get; } = config;

    /// <summary>The series anomalous now, the highest peak score first.</summary>
    public IReadOnlyList<AnomalousSeries> Anomalous { get; } = anomalous;

    /// <summary>Per instance, how many series are anomalous out of how many scored.</summary>
    public IReadOnlyDictionary<string, (int Anomalous, int Scored)> Rates { get; } = rates;

    /// <summary>Evaluates <paramref name="expr"/> over [now − <paramref name="window"/>, now] with about <paramref name="points"/> steps; empty when it fails (logged).</summary>
    public IReadOnlyList<RangeSeries> Range(string expr, TimeSpan window, int points = 120)
    {
        long windowMs = (long)window.TotalMilliseconds;
        long step = Math.Max(1000, windowMs / points / 1000 * 1000);
        try
        {
            using var result = engine.RangeQuery(storage, expr, NowMs - windowMs, NowMs, step, null, cancellationToken);
            if (result.Value is not MatrixValue m)
            {
                return [];
            }
            var list = new List<RangeSeries>(m.Series.Count);
            foreach (var s in m.Series)
            {
                var fpoints = s.Points;
                var t = new double[fpoints.Count];
                var v = new double[fpoints.Count];
                for (int i = 0; i < fpoints.Count; i++)
                {
                    t[i] = fpoints[i].T;
                    v[i] = fpoints[i].F;
                }
                list.Add(new RangeSeries(s.Metric, t, v));
            }
            return list;
        }
        catch (PromQLException e)
        {
            logger.LogDebug("Insights: query {Query} failed: {Error}", expr, e.Message);
            return [];
        }
    }

    /// <summary>
    /// The stored samples of the one series with exactly <paramref name="labels"/> from <paramref name="fromMs"/> to now;
    /// a counter's (by name) as per-second rates between consecutive samples, a drop counting from zero, as the scorer sees it.
    /// </summary>
    public (List<long> Times, List<double> Values) Samples(LabelSet labels, long fromMs)
    {
        var times = new List<long>();
        var values = new List<double>();
        bool counter = AnomalyScorer.IsCounter(labels.Name);
        using var querier = storage.Querier(fromMs, NowMs);
        var matchers = labels.Select(l => LabelMatcher.Equal(l.Name, l.Value)).ToArray();
        var set = querier.Select(false, new SelectHints(fromMs, NowMs), matchers);
        while (set.MoveNext())
        {
            if (!set.Current.Labels.Equals(labels))
            {
                continue;
            }
            var it = set.Current.Iterator(null);
            if (!it.Seek(fromMs))
            {
                break;
            }
            long lastT = long.MinValue;
            double last = 0;
            do
            {
                double v = it.V;
                if (!double.IsFinite(v) || it.T > NowMs)
                {
                    continue;
                }
                if (!counter)
                {
                    times.Add(it.T);
                    values.Add(v);
                    continue;
                }
                if (lastT != long.MinValue && it.T > lastT)
                {
                    times.Add(it.T);
                    values.Add((v >= last ? v - last : v) * 1000.0 / (it.T - lastT));
                }
                (lastT, last) = (it.T, v);
            }
            while (it.Next());
            break;
        }
        return (times, values);
    }

    /// <summary>The metric names with samples in the last <paramref name="window"/>.</summary>
    public IReadOnlyList<string> MetricNames(TimeSpan window)
    {
        using var querier = storage.Querier(NowMs - (long)window.TotalMilliseconds, NowMs);
        return querier.LabelValues(LabelSet.MetricName);
    }

    /// <summary>Formats a number for descriptions: up to three decimals, or three significant digits for very large and very small values.</summary>
    public static string Format(double v)
        => Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 0.001) ? v.ToString("G3", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>Formats a duration for descriptions (<c>3h 20m</c>).</summary>
    public static string Format(TimeSpan d)
    {
        if (d.TotalDays >= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalDays}d {d.Hours}h");
        }
        if (d.TotalHours >= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h {d.Minutes}m");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m");
    }
}

/// <summary>One series of a range query: timestamps (ms, as doubles for the statistics) and values.</summary>
internal sealed record RangeSeries(LabelSet Labels, double[] Times, double[] Values)
{
    /// <summary>The mean of the values from <paramref name="fromMs"/> on (NaN when there are none).</summary>
    public double MeanSince(double fromMs)
    {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < Times.Length; i++)
        {
            if (Times[i] >= fromMs && double.IsFinite(Values[i]))
            {
                sum += Values[i];
                n++;
            }
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <summary>The share of the values from <paramref name="fromMs"/> on that are at least <paramref name="threshold"/>.</summary>
    public double ShareAtLeast(double fromMs, double threshold)
    {
        int n = 0, above = 0;
        for (int i = 0; i < Times.Length; i++)
        {
            if (Times[i] >= fromMs && double.IsFinite(Values[i]))
            {
                n++;
                if (Values[i] >= threshold)
                {
                    above++;
                }
            }
        }
        return n == 0 ? 0 : (double)above / n;
    }

    /// <summary>The latest value.</summary>
    public double Last => Values.Length == 0 ? double.NaN : Values[^1];
}
