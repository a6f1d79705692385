using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Rules;

/// <summary>What a group evaluation needs besides its rules: query context, where results go, metrics and the notifier.</summary>
internal sealed class RuleGroupContext(RuleContext rules, IAppendable appendable, ILogger logger)
{
    public RuleContext Rules { get; } = rules;

    public IAppendable Appendable { get; } = appendable;

    public ILogger Logger { get; } = logger;

    public RuleMetrics? Metrics { get; init; }

    /// <summary>Receives alerts due for notification (firing ones every <see cref="ResendDelay"/>, resolved ones once more).</summary>
    public Action<AlertingRule, List<Alert>>? Notify { get; init; }

    public TimeSpan ResendDelay { get; init; } = TimeSpan.FromMinutes(1);
}
