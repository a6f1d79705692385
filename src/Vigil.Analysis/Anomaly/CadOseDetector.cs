namespace Vigil.Analysis.Anomaly;

/// <summary>
/// CAD OSE, the Contextual Anomaly Detector, open-source edition (Mikhail Smirnov, 2016; NAB's <c>contextOSE</c>),
/// re-implemented from its description and Python source. Each value is quantised to <c>value_bits</c> bits of the input
/// range, each bit one "fact"; contexts pair a left set of facts (the previous step's facts and the active
/// "neurons") with a right set (the current facts) and count how often they predicted right. The score of a point whose
/// facts were not all predicted is (1 − share of the selected contexts that became active + share of the potential new
/// contexts actually added) / 2, reported only when no score of the last <c>probation</c>/5 points reached
/// <c>base_threshold</c> (the rest period).
/// </summary>
/// <remarks>
/// NAB hands the detector the file's minimum, maximum and probation (<c>input_min</c>, <c>input_max</c>,
/// <c>probation</c>): then this is CAD OSE as published. A server knows neither, so by default the range is learnt from
/// the first <c>probation</c> points (buffered, then replayed), widened by <c>range_margin</c> times itself on each
/// side; later values outside it get more bits, i.e. facts never seen, which the contexts did not predict. The context
/// memory grows with what the series does; <c>max_contexts</c> (0: unbounded, as CAD OSE) stops it learning new
/// contexts beyond that many. Kept as in the Python source: context ids are Python 2 tuple hashes of the fact lists
/// (ties among the active contexts break on them), and the context skipped as "new" is id 0 when no new one was made
/// (Python's False == 0). Python 2 iterated a left semi-context's contexts in its dict's slot order; here they go by
/// right semi-context id, which is the same order while the dict holds fewer keys than its table.
/// </remarks>
internal sealed partial class CadOseDetector : IStreamingDetector
{
    public const string DetectorName = "cad-ose";

    private const long SensorBase = 65536;
    private const long NeuronBase = 1L << 31;

    // Parameters.
    private readonly int _probation;
    private readonly double _inputMin;
    private readonly double _inputMax;
    private readonly double _margin;
    private readonly double _baseThreshold;
    private readonly int _maxLeftLength;
    private readonly int _maxActive;
    private readonly int _bits;
    private readonly int _maxContexts;
    private readonly bool _rangeGiven;

    private List<double>? _pending;
    private double _minValue;
    private double _minValueStep;
    private readonly double _maxBinValue;

    // The rest period: the last restPeriod unsuppressed scores (seeded with 1.0, as CAD OSE's history starts).
    private readonly int _restPeriod;
    private readonly double[] _recent;
    private int _recentCount;
    private int _recentAt;

    // The context memory (ContextOperator).
    private readonly Dictionary<long, int>[] _semiIds = [new(), new()];
    private readonly List<Semi>[] _semis = [[], []];
    private readonly Dictionary<long, List<Semi>>[] _factIndex = [new(), new()];
    private readonly List<Semi>[] _crossed = [[], []];
    private readonly List<Context> _contexts = [];
    private int _newContextId;

    private long[] _leftFacts = [];
    private HashSet<long> _predicted = [];

    public CadOseDetector(IReadOnlyDictionary<string, double>? parameters = null)
    {
        var p = new DetectorParameters(DetectorName, parameters);
        _probation = p.Int("probation", 750, 5, 1_000_000);
        _inputMin = p.Double("input_min", double.NaN, double.MinValue, double.MaxValue);
        _inputMax = p.Double("input_max", double.NaN, double.MinValue, double.MaxValue);
        _margin = p.Double("range_margin", 0.5, 0, 100);
        _baseThreshold = p.Double("base_threshold", 0.75, 0, 1);
        _maxLeftLength = p.Int("max_left_facts", 7, 1, 1000);
        _maxActive = p.Int("max_active_neurons", 15, 1, 1000);
        _bits = p.Int("value_bits", 3, 1, 16);
        _maxContexts = p.Int("max_contexts", 0, 0, 100_000_000);
        p.EnsureAllUsed();
        _rangeGiven = !double.IsNaN(_inputMin) || !double.IsNaN(_inputMax);
        if (_rangeGiven && (double.IsNaN(_inputMin) || double.IsNaN(_inputMax) || _inputMin > _inputMax))
        {
            throw new ArgumentException($"detector {DetectorName}: parameters input_min and input_max go together, with input_min <= input_max.");
        }
        _maxBinValue = Math.Pow(2, _bits) - 1.0;
        // Note: NAB passes probationaryPeriod / 5.0 and CAD OSE slices with int() of it.
        _restPeriod = _probation / 5;
        _recent = new double[Math.Max(1, _restPeriod)];
        PushRecent(1.0);
        if (_rangeGiven)
        {
            SetRange(_inputMin, _inputMax);
        }
        else
        {
            _pending = [];
        }
    }

    public string Name => DetectorName;

    /// <summary>The number of contexts learnt (for memory accounting).</summary>
    internal int Contexts => _contexts.Count;

    public double Score(long timestampMs, double value)
    {
        if (!double.IsFinite(value))
        {
            return 0;
        }
        if (_pending is not null)
        {
            _pending.Add(value);
            if (_pending.Count < _probation)
            {
                return 0;
            }
            double lo = _pending.Min(), hi = _pending.Max(), pad = (hi - lo) * _margin;
            SetRange(lo - pad, hi + pad);
            var replay = _pending;
            _pending = null;
            double last = 0;
            foreach (double v in replay)
            {
                last = AnomalyScore(v);
            }
            return last;
        }
        return AnomalyScore(value);
    }

    private void SetRange(double min, double max)
    {
        _minValue = min;
        double full = max - min;
        if (full == 0.0)
        {
            full = _maxBinValue;
        }
        _minValueStep = full / _maxBinValue;
    }

    private void PushRecent(double score)
    {
        _recent[_recentAt] = score;
        _recentAt = (_recentAt + 1) % _recent.Length;
        _recentCount = Math.Min(_recentCount + 1, _recent.Length);
    }

    /// <summary>CAD OSE's <c>getAnomalyScore</c>.</summary>
    private double AnomalyScore(double value)
    {
        var facts = SensorFacts(value);
        bool unpredicted = false;
        foreach (long f in facts)
        {
            if (!_predicted.Contains(f))
            {
                unpredicted = true;
            }
        }
        var (predictions, selectedActive, addedShare) = Step(facts);
        _predicted = predictions;
        double current = unpredicted ? (1.0 - selectedActive + addedShare) / 2.0 : 0.0;

        // Note: with a rest period of 0 Python's slice [-0:] is the whole history, which holds the initial 1.0.
        double recentMax = 0;
        for (int i = 0; i < _recentCount; i++)
        {
            recentMax = Math.Max(recentMax, _recent[i]);
        }
        double returned = recentMax < _baseThreshold ? current : 0.0;
        PushRecent(current);
        return returned;
    }

    /// <summary>The facts of a value: one per binary digit of its bin, as CAD OSE builds them from Python's <c>bin()</c> text.</summary>
    internal long[] SensorFacts(double value)
    {
        double q = Math.Truncate((value - _minValue) / _minValueStep);
        long bin = (long)Math.Clamp(q, -(double)(1L << 52), (double)(1L << 52));
        // Note: Python's bin(-5) is "-0b101" and lstrip("0b") keeps it whole; the '-', 'b' and '0' become facts too.
        string digits = bin >= 0 ? Convert.ToString(bin, 2).TrimStart('0') : "-0b" + Convert.ToString(-bin, 2);
        digits = digits.PadLeft(_bits, '0');
        var set = new SortedSet<long>();
        for (int k = 0; k < digits.Length; k++)
        {
            char c = digits[digits.Length - 1 - k];
            set.Add(SensorBase + (k * 2) + (c == '1' ? 1 : 0));
        }
        return [.. set];
    }

    private (HashSet<long> Predictions, double SelectedActive, double AddedShare) Step(long[] currentFacts)
    {
        var uniquePotential = new HashSet<(long, long)>();
        bool newContext = false;
        if (_leftFacts.Length > 0 && currentFacts.Length > 0)
        {
            uniquePotential.Add((TupleHash(_leftFacts), TupleHash(currentFacts)));
            newContext = AddZeroLevelContext(_leftFacts, currentFacts);
        }

        Cross(1, currentFacts);
        var (active, selected, potential) = UpdateContextsAndGetActive(newContext);
        foreach (var (l, r) in potential)
        {
            uniquePotential.Add((TupleHash(l), TupleHash(r)));
        }
        double selectedActive = selected > 0 ? active.Count / (double)selected : 0.0;

        active.Sort(static (x, y) => x.Count != y.Count ? x.Count.CompareTo(y.Count)
            : x.LeftHash != y.LeftHash ? x.LeftHash.CompareTo(y.LeftHash) : x.RightHash.CompareTo(y.RightHash));
        var left = new SortedSet<long>(currentFacts);
        for (int i = Math.Max(0, active.Count - _maxActive); i < active.Count; i++)
        {
            left.Add(NeuronBase + active[i].Id);
        }
        _leftFacts = [.. left];

        int added = potential.Count > 0 ? AddContexts(potential) : 0;
        var predictions = Cross(0, _leftFacts);
        added += newContext ? 1 : 0;
        double addedShare = newContext && uniquePotential.Count > 0 ? added / (double)uniquePotential.Count : 0.0;
        return (predictions!, selectedActive, addedShare);
    }

    /// <summary>Python 2's hash of a tuple of ints (64-bit), which CAD OSE uses as semi-context keys.</summary>
    internal static long TupleHash(long[] items)
    {
        unchecked
        {
            long x = 0x345678L;
            long mult = 1000003L;
            for (int len = items.Length - 1, i = 0; len >= 0; len--, i++)
            {
                long y = items[i] == -1 ? -2 : items[i];
                x = (x ^ y) * mult;
                mult += 82520L + len + len;
            }
            x += 97531L;
            return x == -1 ? -2 : x;
        }
    }

    private Semi SemiFor(int side, long[] facts, long hash)
    {
        if (_semiIds[side].TryGetValue(hash, out int id))
        {
            return _semis[side][id];
        }
        var semi = new Semi(_semis[side].Count, facts.Length) { Facts = facts };
        _semiIds[side][hash] = semi.Index;
        _semis[side].Add(semi);
        foreach (long f in facts)
        {
            if (!_factIndex[side].TryGetValue(f, out var list))
            {
                list = [];
                _factIndex[side][f] = list;
            }
            list.Add(semi);
        }
        return semi;
    }

    /// <summary>getContextByFacts for one zero-level context: true when it is new.</summary>
    private bool AddZeroLevelContext(long[] leftFacts, long[] rightFacts)
    {
        var (context, isNew) = ContextFor(leftFacts, rightFacts, zeroLevel: true);
        if (isNew)
        {
            _newContextId = context!.Id;
            return true;
        }
        if (context is not null)
        {
            context.ZeroLevel = true;
        }
        return false;
    }

    /// <summary>getContextByFacts for the potential new contexts: how many were new.</summary>
    private int AddContexts(List<(long[] Left, long[] Right)> potential)
    {
        int added = 0;
        foreach (var (l, r) in potential)
        {
            if (ContextFor(l, r, zeroLevel: false).IsNew)
            {
                added++;
            }
        }
        return added;
    }

    private (Context? Context, bool IsNew) ContextFor(long[] leftFacts, long[] rightFacts, bool zeroLevel)
    {
        long leftHash = TupleHash(leftFacts), rightHash = TupleHash(rightFacts);
        bool full = _maxContexts > 0 && _contexts.Count >= _maxContexts;
        if (full && (!_semiIds[0].ContainsKey(leftHash) || !_semiIds[1].ContainsKey(rightHash)))
        {
            return (null, false);
        }
        var leftSemi = SemiFor(0, leftFacts, leftHash);
        var rightSemi = SemiFor(1, rightFacts, rightHash);
        int at = leftSemi.FindRight(rightSemi.Index);
        if (at >= 0)
        {
            return (_contexts[leftSemi.Contexts[at].Context], false);
        }
        if (full)
        {
            return (null, false);
        }
        var context = new Context(_contexts.Count, rightFacts, zeroLevel, leftHash, rightHash);
        _contexts.Add(context);
        leftSemi.InsertRight(~at, rightSemi.Index, context.Id);
        return (context, true);
    }

    /// <summary>contextCrosser: crosses the facts with one side's semi-contexts; on the left side returns the predicted facts.</summary>
    private HashSet<long>? Cross(int side, long[] facts)
    {
        foreach (var s in _crossed[side])
        {
            s.Crossed.Clear();
            s.CrossedCount = 0;
        }
        var touched = new List<Semi>();
        foreach (long f in facts)
        {
            if (_factIndex[side].TryGetValue(f, out var list))
            {
                foreach (var s in list)
                {
                    if (s.Crossed.Count == 0)
                    {
                        touched.Add(s);
                    }
                    s.Crossed.Add(f);
                }
            }
        }
        touched.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        foreach (var s in touched)
        {
            s.CrossedCount = s.Crossed.Count;
        }
        _crossed[side] = touched;
        if (side == 1)
        {
            return null;
        }
        double maxWeight = 0.0;
        var predicting = new List<Context>();
        foreach (var s in touched)
        {
            if (s.Length != s.CrossedCount)
            {
                continue;
            }
            foreach (var (_, id) in s.Contexts)
            {
                var c = _contexts[id];
                double weight = c.Attempts > 0 ? c.Successes / (double)c.Attempts : 0.0;
                if (weight > maxWeight)
                {
                    maxWeight = weight;
                    predicting.Clear();
                    predicting.Add(c);
                }
                else if (weight == maxWeight)
                {
                    predicting.Add(c);
                }
            }
        }
        var predictions = new HashSet<long>();
        foreach (var c in predicting)
        {
            predictions.UnionWith(c.RightFacts);
        }
        return predictions;
    }

    private (List<Active> Active, int Selected, List<(long[], long[])> Potential) UpdateContextsAndGetActive(bool newContext)
    {
        var active = new List<Active>();
        int selected = 0;
        var potential = new List<(long[], long[])>();
        foreach (var left in _crossed[0])
        {
            foreach (var (rightId, id) in left.Contexts)
            {
                if (id == _newContextId)
                {
                    continue;
                }
                var c = _contexts[id];
                var right = _semis[1][rightId];
                if (left.Length == left.CrossedCount)
                {
                    selected++;
                    c.Attempts += right.Length;
                    if (right.CrossedCount > 0)
                    {
                        c.Successes += right.CrossedCount;
                        if (right.Length == right.CrossedCount)
                        {
                            c.Activations++;
                            active.Add(new Active(id, c.Activations, c.LeftHash, c.RightHash));
                        }
                        else if (c.ZeroLevel && newContext && left.CrossedCount <= _maxLeftLength)
                        {
                            potential.Add(([.. left.Crossed], [.. right.Crossed]));
                        }
                    }
                }
                else if (c.ZeroLevel && newContext && right.CrossedCount > 0 && left.CrossedCount <= _maxLeftLength)
                {
                    potential.Add(([.. left.Crossed], [.. right.Crossed]));
                }
            }
        }
        _newContextId = 0;
        return (active, selected, potential);
    }

    private sealed class Semi(int index, int length)
    {
        public int Index { get; } = index;

        public int Length { get; } = length;

        public List<long> Crossed { get; } = [];

        public int CrossedCount { get; set; }

        /// <summary>Left semi-contexts only: (right semi-context id, context id), ordered by the right id.</summary>
        public List<(int Right, int Context)> Contexts { get; } = [];

        /// <summary>The facts (kept for saving the state).</summary>
        public long[]? Facts { get; set; }

        public int FindRight(int right)
        {
            int lo = 0, hi = Contexts.Count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                int c = Contexts[mid].Right.CompareTo(right);
                if (c == 0)
                {
                    return mid;
                }
                if (c < 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }
            return ~lo;
        }

        public void InsertRight(int at, int right, int context) => Contexts.Insert(at, (right, context));
    }

    private sealed class Context(int id, long[] rightFacts, bool zeroLevel, long leftHash, long rightHash)
    {
        public int Id { get; } = id;

        public long[] RightFacts { get; } = rightFacts;

        public bool ZeroLevel { get; set; } = zeroLevel;

        public long LeftHash { get; } = leftHash;

        public long RightHash { get; } = rightHash;

        public long Attempts { get; set; }

        public long Successes { get; set; }

        public long Activations { get; set; }
    }

    private readonly record struct Active(int Id, long Count, long LeftHash, long RightHash);
}
