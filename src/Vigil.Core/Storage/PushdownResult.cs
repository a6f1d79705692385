using Vigil.Core.Labels;

namespace Vigil.Core.Storage;

/// <summary>The kind of value a remotely evaluated query returned (Prometheus's <c>resultType</c>).</summary>
public enum PushdownValueKind
{
    /// <summary>An instant vector: one sample per series.</summary>
    Vector,

    /// <summary>A range vector or the result of a range query: many samples per series.</summary>
    Matrix,

    /// <summary>One number.</summary>
    Scalar,

    /// <summary>One string.</summary>
    String,
}

/// <summary>The answer of <see cref="IQueryPushdown.Query"/>: the value in Prometheus's shapes and the remote's annotations.</summary>
/// <param name="Kind">The kind of value.</param>
/// <param name="Series">The series of a vector or matrix (one sample each for a vector); empty otherwise.</param>
/// <param name="ScalarTime">Timestamp of a scalar or string value (ms).</param>
/// <param name="ScalarValue">The number of a scalar value.</param>
/// <param name="StringValue">The text of a string value.</param>
/// <param name="Warnings">The remote's warnings.</param>
/// <param name="Infos">The remote's info annotations.</param>
public sealed record PushdownResult(
    PushdownValueKind Kind,
    IReadOnlyList<PushdownSeries> Series,
    long ScalarTime,
    double ScalarValue,
    string? StringValue,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Infos);

/// <summary>One series of a remotely evaluated result; <see cref="Timestamps"/> (ms, ascending) and <see cref="Values"/> have equal length.</summary>
public sealed record PushdownSeries(LabelSet Labels, long[] Timestamps, double[] Values);
