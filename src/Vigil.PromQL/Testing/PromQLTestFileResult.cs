namespace Vigil.PromQL.Testing;

/// <summary>The outcome of running one promqltest script.</summary>
public sealed class PromQLTestFileResult(string fileName)
{
    private readonly List<EvalOutcome> _evals = new();

    /// <summary>The script's file name.</summary>
    public string FileName { get; } = fileName;

    /// <summary>Set when the script itself is invalid (bad command, unparsable load line, failed load).</summary>
    public string? InvalidScript { get; internal set; }

    /// <summary>Every eval statement in file order.</summary>
    public IReadOnlyList<EvalOutcome> Evals => _evals;

    /// <summary>Evals that ran (every eval statement runs).</summary>
    public int Ran => _evals.Count;

    /// <summary>Evals that passed.</summary>
    public int Passed => _evals.Count(e => e.Status == EvalStatus.Passed);

    /// <summary>Evals that failed.</summary>
    public int Failed => _evals.Count(e => e.Status == EvalStatus.Failed);

    /// <summary>True when the script is valid and no eval failed.</summary>
    public bool Success => InvalidScript is null && Failed == 0;

    internal void Add(EvalOutcome outcome) => _evals.Add(outcome);

    /// <summary>A one-line summary: <c>file: ran N, passed N, failed N</c>.</summary>
    public override string ToString()
        => InvalidScript is not null
            ? FileName + ": invalid script: " + InvalidScript
            : $"{FileName}: ran {Ran}, passed {Passed}, failed {Failed}";
}
