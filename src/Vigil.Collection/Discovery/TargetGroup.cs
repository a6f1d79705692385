using Vigil.Core.Labels;

namespace Vigil.Collection.Discovery;

/// <summary>
/// A set of targets sharing labels, as service discovery produces it (Prometheus's <c>targetgroup.Group</c>): each target
/// is a label set holding at least <c>__address__</c>; <see cref="Labels"/> apply to every target that lacks them.
/// </summary>
/// <param name="Source">Identifies the group within its provider (a file path and index, a static config index).</param>
/// <param name="Targets">The targets' own labels.</param>
/// <param name="Labels">Labels shared by all targets of the group.</param>
public sealed record TargetGroup(string Source, IReadOnlyList<LabelSet> Targets, LabelSet Labels);
