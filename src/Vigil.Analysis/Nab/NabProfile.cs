namespace Vigil.Analysis.Nab;

/// <summary>One NAB cost matrix: the weights of a true positive, a false positive and a missed window.</summary>
/// <param name="Name">The profile key as in NAB's <c>config/profiles.json</c>, e.g. <c>standard</c>.</param>
/// <param name="TruePositiveWeight">A_TP: the reward for detecting a window on its first row.</param>
/// <param name="FalsePositiveWeight">A_FP: the cost of a detection far from any window.</param>
/// <param name="FalseNegativeWeight">A_FN: the cost of a window with no detection.</param>
public sealed record NabProfile(string Name, double TruePositiveWeight, double FalsePositiveWeight, double FalseNegativeWeight)
{
    /// <summary>NAB's <c>standard</c> profile (A_TP 1, A_FP 0.11, A_FN 1).</summary>
    public static NabProfile Standard { get; } = new("standard", 1.0, 0.11, 1.0);

    /// <summary>NAB's <c>reward_low_FP_rate</c> profile (A_TP 1, A_FP 0.22, A_FN 1).</summary>
    public static NabProfile RewardLowFalsePositives { get; } = new("reward_low_FP_rate", 1.0, 0.22, 1.0);

    /// <summary>NAB's <c>reward_low_FN_rate</c> profile (A_TP 1, A_FP 0.11, A_FN 2).</summary>
    public static NabProfile RewardLowFalseNegatives { get; } = new("reward_low_FN_rate", 1.0, 0.11, 2.0);

    /// <summary>The three published profiles in NAB's order.</summary>
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFalsePositives, RewardLowFalseNegatives];
}
