namespace Vigil.PromQL.Engine;

/// <summary>A float point of a result series: timestamp in milliseconds and value.</summary>
public readonly record struct FPoint(long T, double F);
