namespace Vigil.Demo.Service;

/// <summary>A least-recently-used cache of strings whose capacity can change while it is used (shrinking evicts at once).</summary>
/// <remarks>Thread-safe (one lock; the demo's request rates are far below where that matters).</remarks>
internal sealed class LruCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<KeyValuePair<string, string>>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<KeyValuePair<string, string>> _order = new();
    private int _capacity;

    public LruCache(int capacity) => Capacity = capacity;

    /// <summary>The most entries kept; 0 disables the cache.</summary>
    public int Capacity
    {
        get => Volatile.Read(ref _capacity);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (_lock)
            {
                _capacity = value;
                Trim();
            }
        }
    }

    /// <summary>The entries held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>Looks <paramref name="key"/> up and marks it most recently used.</summary>
    public bool TryGet(string key, out string value)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = string.Empty;
        return false;
    }

    /// <summary>Stores <paramref name="value"/> as the most recently used entry, evicting the least recently used ones beyond the capacity.</summary>
    public void Put(string key, string value)
    {
        lock (_lock)
        {
            if (_capacity == 0)
            {
                return;
            }
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                node.Value = new KeyValuePair<string, string>(key, value);
                _order.AddFirst(node);
                return;
            }
            _map[key] = _order.AddFirst(new KeyValuePair<string, string>(key, value));
            Trim();
        }
    }

    private void Trim()
    {
        while (_map.Count > _capacity)
        {
            var last = _order.Last!;
            _order.RemoveLast();
            _map.Remove(last.Value.Key);
        }
    }
}
