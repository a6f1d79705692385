using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors;

/// <summary>A built-in source of samples that Vigil collects on an interval (host statistics, its own metrics, ...).</summary>
/// <remarks>
/// The server calls <see cref="Collect"/> once per interval from one thread at a time, with a fresh appender that it
/// commits afterwards (or rolls back if <see cref="Collect"/> throws). Every sample of one collection must use the
/// given timestamp, in milliseconds since the epoch. Implementations append labels without <c>job</c>/<c>instance</c>:
/// the server adds those target labels. Refused samples are counted and logged by the server, so implementations may
/// ignore the result of <see cref="IAppender.TryAppend"/>.
/// </remarks>
public interface ICollector
{
    /// <summary>A short name used in logs and in the <c>collector</c> label of Vigil's own metrics (e.g. <c>host</c>).</summary>
    string Name { get; }

    /// <summary>Appends one collection's samples, all at <paramref name="timestampMs"/>.</summary>
    void Collect(IAppender appender, long timestampMs);
}
