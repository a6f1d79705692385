using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Vigil.Benchmarks;

/// <summary>
/// A summary column turning the time per operation into a rate: a known quantity per operation divided by the mean
/// (or, with <paramref name="fromMinimum"/>, the fastest iteration's time, which shows the rate without interference
/// from other processes on a shared machine).
/// </summary>
internal sealed class ThroughputColumn(string name, Func<double> quantityPerOperation, double scale, string legend, bool fromMinimum = false) : IColumn
{
    public string Id => nameof(ThroughputColumn) + "." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || statistics.Mean <= 0)
        {
            return "NA";
        }
        double seconds = (fromMinimum ? statistics.Min : statistics.Mean) / 1e9;
        return (quantityPerOperation() / scale / seconds).ToString("N1", CultureInfo.InvariantCulture);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
