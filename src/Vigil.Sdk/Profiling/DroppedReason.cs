namespace Vigil.Sdk.Profiling;

/// <summary>Why a measurement's detail was dropped; exported as <c>vigil_sdk_dropped_total{reason}</c>.</summary>
internal enum DroppedReason
{
    InvalidToolName,
    ToolLimit,
    TagLimit,
    CounterLimit,
    ErrorTypeLimit,
    InvalidCounterName,
}
