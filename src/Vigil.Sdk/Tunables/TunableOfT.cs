using System.Diagnostics.CodeAnalysis;

namespace Vigil.Sdk.Tunables;

/// <summary>A tunable holding a value of type <typeparamref name="T"/>, either its own or one read and written through an application's getter and setter.</summary>
/// <typeparam name="T"><see cref="long"/>, <see cref="double"/> or <see cref="string"/>.</typeparam>
public abstract class Tunable<T> : Tunable
    where T : IEquatable<T>
{
    private readonly Lock _lock = new();
    private readonly Func<T>? _getter;
    private readonly Action<T>? _setter;
    private T _value;

    private protected Tunable(string name, TunableKind kind, string? description, string? unit, T initial, Func<T>? getter, Action<T>? setter)
        : base(name, kind, description, unit)
    {
        _value = initial;
        _getter = getter;
        _setter = setter;
    }

    /// <summary>
    /// Raised after the value changed (by <see cref="Value"/>, <see cref="TrySet"/> or an HTTP <c>PUT</c>), with the new value,
    /// on the thread that changed it and while further changes wait. A handler that throws refuses the change: the
    /// previous value is restored (and announced to the handlers again) and the exception propagates to the changer.
    /// </summary>
    public event Action<T>? Changed;

    /// <summary>The value in force; setting it validates like a <c>PUT</c> and throws <see cref="ArgumentOutOfRangeException"/> when refused.</summary>
    public T Value
    {
        get
        {
            if (_getter is not null)
            {
                return _getter();
            }
            lock (_lock)
            {
                return _value;
            }
        }
        set
        {
            if (!TrySet(value, out string? error))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, error);
            }
        }
    }

    /// <summary>Sets the value when it is valid; otherwise changes nothing and says why. Never clamps.</summary>
    public bool TrySet(T value, [NotNullWhen(false)] out string? error)
    {
        error = Validate(value);
        if (error is not null)
        {
            return false;
        }
        lock (_lock)
        {
            T previous = Value;
            if (previous.Equals(value))
            {
                return true;
            }
            Write(value);
            try
            {
                Changed?.Invoke(value);
            }
            catch
            {
                Restore(previous);
                throw;
            }
            CountChange();
        }
        return true;
    }

    /// <summary>Throws when an owned initial value is refused (a getter's value is the application's business).</summary>
    private protected void CheckInitial(T initial)
    {
        if (_getter is null && Validate(initial) is { } error)
        {
            throw new ArgumentOutOfRangeException("value", initial, error);
        }
    }

    /// <summary>Why <paramref name="value"/> is refused, naming the tunable and the value; null when it is acceptable.</summary>
    private protected abstract string? Validate(T value);

    private void Write(T value)
    {
        if (_setter is not null)
        {
            _setter(value);
        }
        else
        {
            _value = value;
        }
    }

    private void Restore(T previous)
    {
        // Note: best effort — the change already failed; the caller sees that failure, not one from the restore.
        try
        {
            Write(previous);
            Changed?.Invoke(previous);
        }
        catch (Exception)
        {
        }
    }
}
