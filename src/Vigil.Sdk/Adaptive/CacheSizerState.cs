namespace Vigil.Sdk.Adaptive;

/// <summary>What an <see cref="AdaptiveCacheSizer"/> is doing.</summary>
public enum CacheSizerState
{
    /// <summary>Growing: the last growth step raised the hit ratio enough.</summary>
    Growing,

    /// <summary>Holding: the hit ratio stopped improving (or the budget or maximum is reached); a growth step is probed now and then.</summary>
    Plateau,

    /// <summary>Shrinking: memory is under pressure, or the entries outgrew the budget.</summary>
    Shrinking,
}
