using Vigil.Core.Labels;
using Vigil.Tsdb.Index;

namespace Vigil.Tsdb.Head;

/// <summary>The head's inverted index: label name → value → sorted series references.</summary>
/// <remarks>Thread-safe: a reader/writer lock guards the maps; readers get copies of lists.</remarks>
internal sealed class MemPostings : IPostingsSource
{
    private readonly Dictionary<string, Dictionary<string, List<ulong>>> _index = new(StringComparer.Ordinal);
    private readonly List<ulong> _all = new();
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    public void Add(ulong reference, LabelSet labels)
    {
        _lock.EnterWriteLock();
        try
        {
            InsertSorted(_all, reference);
            foreach (var l in labels.AsSpan())
            {
                if (!_index.TryGetValue(l.Name, out var values))
                {
                    values = new Dictionary<string, List<ulong>>(StringComparer.Ordinal);
                    _index[l.Name] = values;
                }
                if (!values.TryGetValue(l.Value, out var list))
                {
                    list = new List<ulong>(1);
                    values[l.Value] = list;
                }
                InsertSorted(list, reference);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the given series (a batch, as head truncation produces).</summary>
    public void Remove(IReadOnlyCollection<MemSeries> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }
        var refs = new HashSet<ulong>(removed.Select(s => s.Ref));
        _lock.EnterWriteLock();
        try
        {
            _all.RemoveAll(refs.Contains);
            var touched = new HashSet<(string, string)>();
            foreach (var s in removed)
            {
                foreach (var l in s.Labels.AsSpan())
                {
                    touched.Add((l.Name, l.Value));
                }
            }
            foreach (var (name, value) in touched)
            {
                if (_index.TryGetValue(name, out var values) && values.TryGetValue(value, out var list))
                {
                    list.RemoveAll(refs.Contains);
                    if (list.Count == 0)
                    {
                        values.Remove(value);
                        if (values.Count == 0)
                        {
                            _index.Remove(name);
                        }
                    }
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private static void InsertSorted(List<ulong> list, ulong r)
    {
        // Note: refs are handed out in increasing order, so this is almost always an append.
        if (list.Count == 0 || list[^1] < r)
        {
            list.Add(r);
            return;
        }
        int idx = list.BinarySearch(r);
        if (idx < 0)
        {
            list.Insert(~idx, r);
        }
    }

    public ulong[] AllPostings()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _all];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ulong[] Postings(string name, string value)
    {
        _lock.EnterReadLock();
        try
        {
            return _index.TryGetValue(name, out var values) && values.TryGetValue(value, out var list) ? [.. list] : [];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<string> LabelValues(string name)
    {
        _lock.EnterReadLock();
        try
        {
            return _index.TryGetValue(name, out var values) ? [.. values.Keys] : [];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<string> LabelNames()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _index.Keys];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Number of distinct label pairs.</summary>
    public int PairCount
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _index.Values.Sum(v => v.Count);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }
}
