using Vigil.Core.Labels;
using Vigil.Core.Model;

namespace Vigil.Rules;

/// <summary>A recording or alerting rule: its definition and the outcome of its last evaluation.</summary>
/// <remarks>Evaluated by its group's task; the status members are safe to read from other threads.</remarks>
public abstract class Rule
{
    private readonly object _statusLock = new();
    private RuleHealth _health;
    private string? _lastError;
    private long? _lastEvaluationMs;
    private TimeSpan _evaluationDuration;

    private protected Rule(string name, string expr, LabelSet labels)
    {
        Name = name;
        Expr = expr;
        Labels = labels;
    }

    /// <summary>The alert name or the recorded metric name.</summary>
    public string Name { get; }

    /// <summary>The PromQL expression as written.</summary>
    public string Expr { get; }

    /// <summary>
    /// The expression as Prometheus prints it (<c>on ()</c>, normalised spacing), what <c>/api/v1/rules</c> shows;
    /// <see cref="Expr"/> when it does not parse (rules that reach evaluation always do).
    /// </summary>
    public string Query => _query ??= PrintQuery(Expr);

    private string? _query;

    private static string PrintQuery(string expr)
    {
        try
        {
            return Vigil.PromQL.Parser.PromQLParser.ParseExpr(expr).ToString();
        }
        catch (Vigil.PromQL.Parser.PromQLParseException)
        {
            return expr;
        }
    }

    /// <summary>The rule's labels (group labels merged in, rule labels winning); alert label values may be templates.</summary>
    public LabelSet Labels { get; }

    /// <summary>The outcome of the last evaluation.</summary>
    public RuleHealth Health
    {
        get
        {
            lock (_statusLock)
            {
                return _health;
            }
        }
    }

    /// <summary>The error of the last evaluation, or null.</summary>
    public string? LastError
    {
        get
        {
            lock (_statusLock)
            {
                return _lastError;
            }
        }
    }

    /// <summary>When the rule was last evaluated (wall clock, ms since the epoch), or null.</summary>
    public long? LastEvaluationMs
    {
        get
        {
            lock (_statusLock)
            {
                return _lastEvaluationMs;
            }
        }
    }

    /// <summary>How long the last evaluation took.</summary>
    public TimeSpan EvaluationDuration
    {
        get
        {
            lock (_statusLock)
            {
                return _evaluationDuration;
            }
        }
    }

    /// <summary>Identity across reloads: rules with the same kind, name, labels and expression share state.</summary>
    internal string Identity => GetType().Name + "\0" + Name + "\0" + Labels + "\0" + Expr;

    /// <summary>Evaluates at <paramref name="tsMs"/> querying at <c>tsMs - queryOffsetMs</c>; returns the samples to store.</summary>
    /// <exception cref="Vigil.PromQL.Engine.PromQLException">The query failed, or the result broke the limit or had duplicate series.</exception>
    internal abstract List<LabeledSample> Eval(RuleContext ctx, long tsMs, long queryOffsetMs, int limit, CancellationToken ct);

    internal void SetStatus(RuleHealth health, string? error, long evaluatedAtMs, TimeSpan duration)
    {
        lock (_statusLock)
        {
            _health = health;
            _lastError = error;
            _lastEvaluationMs = evaluatedAtMs;
            _evaluationDuration = duration;
        }
    }

    internal void CopyStatusFrom(Rule other)
    {
        lock (_statusLock)
        {
            _health = other.Health;
            _lastError = other.LastError;
            _lastEvaluationMs = other.LastEvaluationMs;
            _evaluationDuration = other.EvaluationDuration;
        }
    }
}
