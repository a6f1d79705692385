namespace Vigil.PromQL.Functions;

/// <summary>Natural string order as used by sort_by_label (the facette/natsort algorithm).</summary>
internal static class NaturalSort
{
    /// <summary>True when <paramref name="a"/> sorts before <paramref name="b"/>.</summary>
    public static bool Less(string a, string b)
    {
        var ca = Chunks(a);
        var cb = Chunks(b);
        for (int i = 0; i < ca.Count; i++)
        {
            if (i >= cb.Count)
            {
                return false;
            }
            bool aNum = TryInt(ca[i], out long ai);
            bool bNum = TryInt(cb[i], out long bi);
            if (aNum && bNum)
            {
                if (ai == bi)
                {
                    if (i == ca.Count - 1)
                    {
                        return true;
                    }
                    if (i == cb.Count - 1)
                    {
                        return false;
                    }
                    continue;
                }
                return ai < bi;
            }
            if (ca[i] == cb[i])
            {
                if (i == ca.Count - 1)
                {
                    return true;
                }
                if (i == cb.Count - 1)
                {
                    return false;
                }
                continue;
            }
            return string.CompareOrdinal(ca[i], cb[i]) < 0;
        }
        return false;
    }

    private static bool TryInt(string s, out long v)
    {
        v = 0;
        if (s.Length == 0 || s.Length > 18)
        {
            return false;
        }
        foreach (char c in s)
        {
            if (c < '0' || c > '9')
            {
                return false;
            }
            v = (v * 10) + (c - '0');
        }
        return true;
    }

    private static List<string> Chunks(string s)
    {
        var list = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            bool digit = char.IsDigit(s[i]);
            int start = i;
            while (i < s.Length && char.IsDigit(s[i]) == digit)
            {
                i++;
            }
            list.Add(s[start..i]);
        }
        return list;
    }
}
