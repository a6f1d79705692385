namespace Vigil.Cli.Top;

/// <summary>One line of <c>vigil top</c>: a PromQL expression whose series are told apart by the section's key labels.</summary>
/// <param name="Id">Stable name in JSON output, e.g. <c>cpu_busy_percent</c>.</param>
/// <param name="Name">What the table shows, e.g. <c>CPU busy</c>.</param>
/// <param name="Expr">The PromQL instant query.</param>
/// <param name="Unit">How values are printed.</param>
internal sealed record TopMetric(string Id, string Name, string Expr, TopUnit Unit);
