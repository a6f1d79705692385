using System.Collections.Frozen;

namespace Vigil.PromQL.Ast;

/// <summary>All functions PromQL knows, with their argument and return types (Prometheus 3.x).</summary>
public static class FunctionCatalog
{
    private const ExprType V = ExprType.Vector;
    private const ExprType M = ExprType.Matrix;
    private const ExprType S = ExprType.Scalar;
    private const ExprType Str = ExprType.String;

    private static readonly FrozenDictionary<string, FunctionDef> All = Build();

    /// <summary>
    /// Functions whose result changes with the evaluation time even when their arguments are step invariant
    /// (Prometheus's <c>AtModifierUnsafeFunctions</c>).
    /// </summary>
    public static readonly FrozenSet<string> AtModifierUnsafe = new[]
    {
        "days_in_month", "day_of_month", "day_of_week", "day_of_year", "end", "hour", "minute", "month", "year",
        "predict_linear", "range", "start", "step", "time", "timestamp",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Looks up a function by exact name.</summary>
    public static bool TryGet(string name, out FunctionDef def) => All.TryGetValue(name, out def!);

    /// <summary>All functions by name.</summary>
    public static IReadOnlyDictionary<string, FunctionDef> Functions => All;

    private static FrozenDictionary<string, FunctionDef> Build()
    {
        var list = new List<FunctionDef>();
        void Add(string name, ExprType ret, ExprType[] args, int variadic = 0, bool experimental = false)
            => list.Add(new FunctionDef(name, args, variadic, ret, experimental));

        foreach (var n in new[]
        {
            "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "deg", "exp", "floor",
            "ln", "log10", "log2", "rad", "sgn", "sin", "sinh", "sqrt", "tan", "tanh", "timestamp", "absent",
            "sort", "sort_desc", "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar",
        })
        {
            Add(n, V, [V]);
        }
        Add("start_timestamp", V, [V], experimental: true);
        foreach (var n in new[]
        {
            "absent_over_time", "avg_over_time", "changes", "count_over_time", "delta", "deriv", "idelta", "increase",
            "irate", "last_over_time", "max_over_time", "min_over_time", "present_over_time", "rate", "resets",
            "stddev_over_time", "stdvar_over_time", "sum_over_time",
        })
        {
            Add(n, V, [M]);
        }
        foreach (var n in new[]
        {
            "first_over_time", "mad_over_time", "ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time",
            "ts_of_min_over_time",
        })
        {
            Add(n, V, [M], experimental: true);
        }
        foreach (var n in new[] { "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute", "month", "year" })
        {
            Add(n, V, [V], variadic: 1);
        }
        Add("clamp", V, [V, S, S]);
        Add("clamp_max", V, [V, S]);
        Add("clamp_min", V, [V, S]);
        Add("double_exponential_smoothing", V, [M, S, S], experimental: true);
        Add("histogram_fraction", V, [S, S, V]);
        Add("histogram_quantile", V, [S, V]);
        Add("histogram_quantiles", V, [V, Str, S, S], variadic: -1, experimental: true);
        Add("label_join", V, [V, Str, Str, Str], variadic: -1);
        Add("label_replace", V, [V, Str, Str, Str, Str]);
        Add("info", V, [V, V], variadic: 1, experimental: true);
        Add("pi", S, []);
        Add("predict_linear", V, [M, S]);
        Add("quantile_over_time", V, [S, M]);
        Add("round", V, [V, S], variadic: 1);
        Add("scalar", S, [V]);
        Add("sort_by_label", V, [V, Str], variadic: -1, experimental: true);
        Add("sort_by_label_desc", V, [V, Str], variadic: -1, experimental: true);
        Add("time", S, []);
        Add("vector", V, [S]);
        Add("start", S, [], experimental: true);
        Add("end", S, [], experimental: true);
        Add("step", S, [], experimental: true);
        Add("range", S, [], experimental: true);
        Add("min_of", S, [S, S], experimental: true);
        Add("max_of", S, [S, S], experimental: true);
        return list.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal);
    }
}
