namespace Vigil.Core.Storage;

/// <summary>A forward-only cursor over series, sorted by labels (Prometheus order) when requested.</summary>
/// <remarks>Not thread-safe. <see cref="Current"/> is valid after <see cref="MoveNext"/> returned true.</remarks>
public interface ISeriesSet
{
    /// <summary>Advances to the next series.</summary>
    bool MoveNext();

    /// <summary>The current series.</summary>
    ISeries Current { get; }

    /// <summary>The error that ended the set early, or null.</summary>
    Exception? Error { get; }

    /// <summary>Non-fatal problems met while reading (e.g. a remote source that did not answer).</summary>
    IReadOnlyList<string> Warnings { get; }
}
