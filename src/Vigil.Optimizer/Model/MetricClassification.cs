namespace Vigil.Optimizer.Model;

/// <summary>How a metric changed from the baseline to the observation window, as Kayenta's judge classifies it.</summary>
public enum MetricClassification
{
    /// <summary>No significant change (or one smaller than the metric's tolerance).</summary>
    Pass,

    /// <summary>Significantly higher after the action.</summary>
    High,

    /// <summary>Significantly lower after the action.</summary>
    Low,

    /// <summary>Too few samples in one of the windows to judge.</summary>
    NoData,
}
