using Vigil.Core.Labels;

namespace Vigil.Tsdb.Index;

/// <summary>Resolves label matchers to a postings list, as Prometheus's <c>PostingsForMatchers</c> does.</summary>
public static class PostingsForMatchers
{
    /// <summary>Sorted references of the series that satisfy every matcher.</summary>
    /// <remarks>
    /// A matcher that matches the empty string also selects series lacking the label, so it is applied by
    /// subtracting the series whose value fails it. When no matcher selects positively, all series are the start.
    /// </remarks>
    public static ulong[] Resolve(IPostingsSource index, IReadOnlyList<LabelMatcher> matchers)
    {
        var positive = new List<ulong[]>();
        var negative = new List<ulong[]>();
        foreach (var m in matchers)
        {
            if (m.Type == MatchOp.Regexp && m.Value == ".*")
            {
                continue; // matches everything, including absence
            }
            if (m.MatchesEmpty)
            {
                // Series pass unless they have the label with a value the matcher rejects.
                var rejected = ValuesWhere(index, m.Name, v => !m.Matches(v));
                if (rejected.Count > 0)
                {
                    negative.Add(Postings.Merge(rejected.Select(v => index.Postings(m.Name, v)).ToList()));
                }
                continue;
            }
            ulong[] p;
            if (m.Type == MatchOp.Equal)
            {
                p = index.Postings(m.Name, m.Value);
            }
            else if (m.Type == MatchOp.Regexp && m.SetMatches is { } set)
            {
                p = Postings.Merge(set.Select(v => index.Postings(m.Name, v)).ToList());
            }
            else
            {
                var values = ValuesWhere(index, m.Name, m.Matches);
                p = Postings.Merge(values.Select(v => index.Postings(m.Name, v)).ToList());
            }
            if (p.Length == 0)
            {
                return [];
            }
            positive.Add(p);
        }
        ulong[] result = positive.Count == 0 ? index.AllPostings() : Postings.Intersect(positive);
        foreach (var n in negative)
        {
            if (result.Length == 0)
            {
                break;
            }
            result = Postings.Subtract(result, n);
        }
        return result;
    }

    private static List<string> ValuesWhere(IPostingsSource index, string name, Func<string, bool> predicate)
    {
        var result = new List<string>();
        foreach (var v in index.LabelValues(name))
        {
            if (predicate(v))
            {
                result.Add(v);
            }
        }
        return result;
    }
}
