namespace Vigil.Analysis.Insights;

/// <summary>One of the analysis engines (the seed's <c>AnalysisEngineTrait</c>): looks at stored data and reports its findings.</summary>
internal interface IInsightEngine
{
    /// <summary>The engine's name, the <see cref="PerformanceInsight.Engine"/> of its insights.</summary>
    string Name { get; }

    /// <summary>Everything the engine finds now; an exception means "no answer this time" and leaves its insights as they are.</summary>
    IReadOnlyList<Finding> Run(InsightContext context);
}
