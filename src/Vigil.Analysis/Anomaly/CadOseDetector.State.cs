namespace Vigil.Analysis.Anomaly;

// The detector's state as bytes: what SaveState writes and Load reads back (contexts, semi-contexts, crossed facts).
internal sealed partial class CadOseDetector
{
    public byte[] SaveState()
    {
        using var w = new StateWriter(DetectorName);
        w.Write(_probation);
        w.Write(_rangeGiven);
        w.Write(_inputMin);
        w.Write(_inputMax);
        w.Write(_margin);
        w.Write(_baseThreshold);
        w.Write(_maxLeftLength);
        w.Write(_maxActive);
        w.Write(_bits);
        w.Write(_maxContexts);
        w.Write(_pending is not null);
        if (_pending is not null)
        {
            w.Write(_pending.ToArray());
        }
        w.Write(_minValue);
        w.Write(_minValueStep);
        w.Write(_recentCount);
        w.Write(_recentAt);
        w.Write(_recent);
        // The contexts, in id order, each with its left facts; the semi-contexts are rebuilt from them in the same order.
        w.Write(_contexts.Count);
        foreach (var c in _contexts)
        {
            w.Write(c.Attempts);
            w.Write(c.Successes);
            w.Write(c.Activations);
            w.Write(c.ZeroLevel);
        }
        WriteSemis(w, 0);
        WriteSemis(w, 1);
        w.Write(_newContextId);
        w.Write(Longs(_leftFacts));
        w.Write(Longs([.. _predicted.Order()]));
        WriteCrossed(w, 0);
        WriteCrossed(w, 1);
        return w.ToArray();
    }

    private void WriteSemis(StateWriter w, int side)
    {
        w.Write(_semis[side].Count);
        foreach (var s in _semis[side])
        {
            w.Write(Longs(s.Facts ?? []));
            w.Write(s.Contexts.Count);
            foreach (var (right, id) in s.Contexts)
            {
                w.Write(right);
                w.Write(id);
            }
        }
    }

    private void WriteCrossed(StateWriter w, int side)
    {
        w.Write(_crossed[side].Count);
        foreach (var s in _crossed[side])
        {
            w.Write(s.Index);
            w.Write(Longs([.. s.Crossed]));
        }
    }

    // Note: facts are integers well inside ±2^53, so they round-trip through doubles exactly.
    private static double[] Longs(IReadOnlyList<long> v) => [.. v.Select(x => (double)x)];

    public static CadOseDetector Load(StateReader r)
    {
        var p = new Dictionary<string, double> { ["probation"] = r.ReadInt() };
        bool given = r.ReadBool();
        double min = r.ReadDouble(), max = r.ReadDouble();
        if (given)
        {
            p["input_min"] = min;
            p["input_max"] = max;
        }
        p["range_margin"] = r.ReadDouble();
        p["base_threshold"] = r.ReadDouble();
        p["max_left_facts"] = r.ReadInt();
        p["max_active_neurons"] = r.ReadInt();
        p["value_bits"] = r.ReadInt();
        p["max_contexts"] = r.ReadInt();
        CadOseDetector d;
        try
        {
            d = new CadOseDetector(p);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"detector state: {e.Message}", e);
        }
        if (r.ReadBool())
        {
            var pending = r.ReadDoubles();
            if (pending.Length >= d._probation)
            {
                throw new FormatException($"detector state: {pending.Length} pending points, fewer than {d._probation} expected.");
            }
            d._pending = [.. pending];
        }
        else
        {
            d._pending = null;
        }
        d._minValue = r.ReadDouble();
        d._minValueStep = r.ReadDouble();
        d._recentCount = r.ReadInt();
        d._recentAt = r.ReadInt();
        var recent = r.ReadDoubles();
        if (recent.Length != d._recent.Length || d._recentCount < 0 || d._recentCount > recent.Length || d._recentAt < 0 || d._recentAt >= recent.Length)
        {
            throw new FormatException("detector state: the rest-period history does not match the probation.");
        }
        recent.CopyTo(d._recent, 0);
        int contexts = r.ReadInt();
        if (contexts < 0 || contexts > 100_000_000)
        {
            throw new FormatException($"detector state: {contexts} contexts.");
        }
        var stats = new (long Attempts, long Successes, long Activations, bool ZeroLevel)[contexts];
        for (int i = 0; i < contexts; i++)
        {
            stats[i] = (r.ReadLong(), r.ReadLong(), r.ReadLong(), r.ReadBool());
        }
        var leftSemis = ReadSemis(r, contexts);
        var rightSemis = ReadSemis(r, contexts);
        var leftOf = new long[contexts];
        var rightOf = new int[contexts];
        Array.Fill(rightOf, -1);
        foreach (var (facts, pairs) in leftSemis)
        {
            var semi = d.SemiFor(0, facts, TupleHash(facts));
            foreach (var (right, id) in pairs)
            {
                if (right < 0 || right >= rightSemis.Count || rightOf[id] >= 0)
                {
                    throw new FormatException("detector state: a context's semi-contexts are inconsistent.");
                }
                semi.InsertRight(~semi.FindRight(right), right, id);
                leftOf[id] = TupleHash(facts);
                rightOf[id] = right;
            }
        }
        foreach (var (facts, _) in rightSemis)
        {
            d.SemiFor(1, facts, TupleHash(facts));
        }
        for (int i = 0; i < contexts; i++)
        {
            if (rightOf[i] < 0)
            {
                throw new FormatException($"detector state: context {i} has no semi-contexts.");
            }
            var rightFacts = rightSemis[rightOf[i]].Facts;
            d._contexts.Add(new Context(i, rightFacts, stats[i].ZeroLevel, leftOf[i], TupleHash(rightFacts))
            {
                Attempts = stats[i].Attempts,
                Successes = stats[i].Successes,
                Activations = stats[i].Activations,
            });
        }
        d._newContextId = r.ReadInt();
        d._leftFacts = ToLongs(r.ReadDoubles());
        d._predicted = [.. ToLongs(r.ReadDoubles())];
        d.ReadCrossed(r, 0);
        d.ReadCrossed(r, 1);
        return d;
    }

    private static List<(long[] Facts, List<(int Right, int Id)> Pairs)> ReadSemis(StateReader r, int contexts)
    {
        int n = r.ReadInt();
        if (n < 0 || n > 100_000_000)
        {
            throw new FormatException($"detector state: {n} semi-contexts.");
        }
        var semis = new List<(long[], List<(int, int)>)>(n);
        for (int i = 0; i < n; i++)
        {
            var facts = ToLongs(r.ReadDoubles());
            int pairs = r.ReadInt();
            if (pairs < 0 || pairs > contexts)
            {
                throw new FormatException($"detector state: {pairs} contexts on a semi-context, at most {contexts} expected.");
            }
            var list = new List<(int, int)>(pairs);
            for (int k = 0; k < pairs; k++)
            {
                int right = r.ReadInt(), id = r.ReadInt();
                if (id < 0 || id >= contexts)
                {
                    throw new FormatException($"detector state: context id {id} outside 0..{contexts - 1}.");
                }
                list.Add((right, id));
            }
            semis.Add((facts, list));
        }
        return semis;
    }

    private void ReadCrossed(StateReader r, int side)
    {
        int n = r.ReadInt();
        if (n < 0 || n > _semis[side].Count)
        {
            throw new FormatException($"detector state: {n} crossed semi-contexts, at most {_semis[side].Count} expected.");
        }
        var list = new List<Semi>(n);
        for (int i = 0; i < n; i++)
        {
            int index = r.ReadInt();
            if (index < 0 || index >= _semis[side].Count)
            {
                throw new FormatException($"detector state: semi-context {index} outside 0..{_semis[side].Count - 1}.");
            }
            var s = _semis[side][index];
            s.Crossed.AddRange(ToLongs(r.ReadDoubles()));
            s.CrossedCount = s.Crossed.Count;
            list.Add(s);
        }
        _crossed[side] = list;
    }

    private static long[] ToLongs(double[] v) => [.. v.Select(x => (long)x)];
}
