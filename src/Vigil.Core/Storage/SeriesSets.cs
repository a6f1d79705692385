using Vigil.Core.Labels;
using Vigil.Core.Model;

namespace Vigil.Core.Storage;

/// <summary>Ready-made series sets and iterators.</summary>
public static class SeriesSets
{
    /// <summary>A set with no series.</summary>
    public static ISeriesSet Empty() => new ListSeriesSet([]);

    /// <summary>A set that failed with <paramref name="error"/>.</summary>
    public static ISeriesSet Failed(Exception error) => new ListSeriesSet([], error);

    /// <summary>A set over already materialised series, in the given order.</summary>
    public static ISeriesSet FromList(IReadOnlyList<ISeries> series, IReadOnlyList<string>? warnings = null) => new ListSeriesSet(series, null, warnings);

    /// <summary>Reads a whole set into memory (for tests and small results).</summary>
    public static List<(LabelSet Labels, List<Sample> Samples)> ToList(this ISeriesSet set)
    {
        var result = new List<(LabelSet, List<Sample>)>();
        ISampleIterator? it = null;
        while (set.MoveNext())
        {
            var s = set.Current;
            it = s.Iterator(it);
            var samples = new List<Sample>();
            while (it.Next())
            {
                samples.Add(new Sample(it.T, it.V));
            }
            if (it.Error is not null)
            {
                throw new StorageException($"reading series {s.Labels}: {it.Error.Message}", it.Error);
            }
            result.Add((s.Labels, samples));
        }
        if (set.Error is not null)
        {
            throw new StorageException(set.Error.Message, set.Error);
        }
        return result;
    }

    private sealed class ListSeriesSet(IReadOnlyList<ISeries> series, Exception? error = null, IReadOnlyList<string>? warnings = null) : ISeriesSet
    {
        private int _i = -1;

        public bool MoveNext() => ++_i < series.Count;

        public ISeries Current => series[_i];

        public Exception? Error => error;

        public IReadOnlyList<string> Warnings => warnings ?? [];
    }
}

/// <summary>A series held in memory as sorted sample arrays.</summary>
public sealed class ListSeries : ISeries
{
    private readonly long[] _t;
    private readonly double[] _v;

    /// <summary>Creates a series; <paramref name="samples"/> must be sorted by timestamp.</summary>
    public ListSeries(LabelSet labels, IReadOnlyList<Sample> samples)
    {
        Labels = labels;
        _t = new long[samples.Count];
        _v = new double[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            _t[i] = samples[i].T;
            _v[i] = samples[i].V;
        }
    }

    /// <summary>Creates a series over parallel arrays (taken, not copied); <paramref name="t"/> must be sorted and as long as <paramref name="v"/>.</summary>
    public ListSeries(LabelSet labels, long[] t, double[] v)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(t.Length, v.Length);
        Labels = labels;
        _t = t;
        _v = v;
    }

    /// <inheritdoc />
    public LabelSet Labels { get; }

    /// <inheritdoc />
    public ISampleIterator Iterator(ISampleIterator? reuse = null)
    {
        if (reuse is ArraySampleIterator a)
        {
            a.Reset(_t, _v, _t.Length);
            return a;
        }
        return new ArraySampleIterator(_t, _v, _t.Length);
    }
}

/// <summary>Iterates parallel timestamp/value arrays (the first <c>count</c> entries).</summary>
public sealed class ArraySampleIterator : ISampleIterator
{
    private long[] _t;
    private double[] _v;
    private int _count;
    private int _i = -1;

    /// <summary>Creates an iterator over the first <paramref name="count"/> samples.</summary>
    public ArraySampleIterator(long[] t, double[] v, int count)
    {
        _t = t;
        _v = v;
        _count = count;
    }

    /// <summary>Points the iterator at new arrays and rewinds it.</summary>
    public void Reset(long[] t, double[] v, int count)
    {
        _t = t;
        _v = v;
        _count = count;
        _i = -1;
    }

    /// <inheritdoc />
    public bool Next() => ++_i < _count || (_i = _count) < 0;

    /// <inheritdoc />
    public bool Seek(long t)
    {
        if (_i < 0)
        {
            _i = 0;
        }
        if (_i >= _count)
        {
            return false;
        }
        if (_t[_i] >= t)
        {
            return true;
        }
        int idx = Array.BinarySearch(_t, _i, _count - _i, t);
        _i = idx >= 0 ? idx : ~idx;
        return _i < _count;
    }

    /// <inheritdoc />
    public long T => _t[_i];

    /// <inheritdoc />
    public double V => _v[_i];

    /// <inheritdoc />
    public Exception? Error => null;
}
