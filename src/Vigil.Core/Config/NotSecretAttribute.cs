namespace Vigil.Core.Config;

/// <summary>Marks a configuration property whose name sounds like a secret but whose value is not one (a file path, tuning numbers).</summary>
/// <param name="reason">Why the value may be shown.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class NotSecretAttribute(string reason) : Attribute
{
    /// <summary>Why the value may be shown.</summary>
    public string Reason { get; } = reason;
}
