namespace Vigil.Tsdb.Index;

/// <summary>Set operations on postings lists: sorted, duplicate-free arrays of series references.</summary>
public static class Postings
{
    /// <summary>The sorted intersection of the given lists.</summary>
    public static ulong[] Intersect(IReadOnlyList<ulong[]> lists)
    {
        if (lists.Count == 0)
        {
            return [];
        }
        // Note: intersect smallest first; the result can only shrink.
        var ordered = lists.OrderBy(static l => l.Length).ToArray();
        ulong[] acc = ordered[0];
        for (int i = 1; i < ordered.Length && acc.Length > 0; i++)
        {
            acc = Intersect(acc, ordered[i]);
        }
        return acc;
    }

    /// <summary>The sorted intersection of two lists (galloping through the longer one).</summary>
    public static ulong[] Intersect(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        if (a.Length > b.Length)
        {
            var tmp = a;
            a = b;
            b = tmp;
        }
        var result = new ulong[a.Length];
        int n = 0, j = 0;
        foreach (ulong x in a)
        {
            if (j >= b.Length)
            {
                break;
            }
            if (b[j] < x)
            {
                j = LowerBound(b, j, x);
                if (j >= b.Length)
                {
                    break;
                }
            }
            if (b[j] == x)
            {
                result[n++] = x;
                j++;
            }
        }
        return n == result.Length ? result : result[..n];
    }

    /// <summary>The sorted union of the given lists.</summary>
    public static ulong[] Merge(IReadOnlyList<ulong[]> lists)
    {
        if (lists.Count == 0)
        {
            return [];
        }
        if (lists.Count == 1)
        {
            return lists[0];
        }
        // Pairwise tree merge keeps the cost at O(n log k).
        var current = lists.ToList();
        while (current.Count > 1)
        {
            var next = new List<ulong[]>((current.Count + 1) / 2);
            for (int i = 0; i < current.Count; i += 2)
            {
                next.Add(i + 1 < current.Count ? Merge(current[i], current[i + 1]) : current[i]);
            }
            current = next;
        }
        return current[0];
    }

    /// <summary>The sorted union of two lists.</summary>
    public static ulong[] Merge(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var result = new ulong[a.Length + b.Length];
        int i = 0, j = 0, n = 0;
        while (i < a.Length && j < b.Length)
        {
            ulong x = a[i], y = b[j];
            if (x < y)
            {
                result[n++] = x;
                i++;
            }
            else if (y < x)
            {
                result[n++] = y;
                j++;
            }
            else
            {
                result[n++] = x;
                i++;
                j++;
            }
        }
        while (i < a.Length)
        {
            result[n++] = a[i++];
        }
        while (j < b.Length)
        {
            result[n++] = b[j++];
        }
        return n == result.Length ? result : result[..n];
    }

    /// <summary>The elements of <paramref name="a"/> not in <paramref name="b"/>.</summary>
    public static ulong[] Subtract(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var result = new ulong[a.Length];
        int n = 0, j = 0;
        foreach (ulong x in a)
        {
            if (j < b.Length && b[j] < x)
            {
                j = LowerBound(b, j, x);
            }
            if (j < b.Length && b[j] == x)
            {
                continue;
            }
            result[n++] = x;
        }
        return n == result.Length ? result : result[..n];
    }

    /// <summary>First index ≥ <paramref name="from"/> whose value is ≥ <paramref name="x"/> (exponential then binary search).</summary>
    private static int LowerBound(ReadOnlySpan<ulong> s, int from, ulong x)
    {
        int step = 1;
        int lo = from, hi = from;
        while (hi < s.Length && s[hi] < x)
        {
            lo = hi + 1;
            hi += step;
            step <<= 1;
        }
        if (hi > s.Length)
        {
            hi = s.Length;
        }
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (s[mid] < x)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
