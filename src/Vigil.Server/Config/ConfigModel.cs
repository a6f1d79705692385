using System.Reflection;

namespace Vigil.Server.Config;

/// <summary>The options types of <c>vigil.yaml</c>: every type reachable from <see cref="VigilConfig"/> through public properties, lists and maps.</summary>
/// <remarks>The options live in the stage projects (Collection, Rules, Analysis, Optimizer), so the walk crosses assemblies. Thread-safe.</remarks>
internal static class ConfigModel
{
    private static readonly Lazy<IReadOnlyList<Type>> s_types = new(Walk);

    /// <summary>The types, <see cref="VigilConfig"/> first.</summary>
    public static IReadOnlyList<Type> Types => s_types.Value;

    private static List<Type> Walk()
    {
        var seen = new List<Type>();
        var queue = new Queue<Type>([typeof(VigilConfig)]);
        while (queue.Count > 0)
        {
            var t = queue.Dequeue();
            if (seen.Contains(t))
            {
                continue;
            }
            seen.Add(t);
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                foreach (var inner in Flatten(p.PropertyType))
                {
                    if (inner.Assembly.GetName().Name?.StartsWith("Vigil", StringComparison.Ordinal) == true && !inner.IsEnum && !seen.Contains(inner))
                    {
                        queue.Enqueue(inner);
                    }
                }
            }
        }
        return seen;
    }

    /// <summary>The type itself and, for generics, arrays and nullables, the types inside.</summary>
    public static IEnumerable<Type> Flatten(Type t)
    {
        if (Nullable.GetUnderlyingType(t) is { } u)
        {
            t = u;
        }
        yield return t;
        if (t.IsGenericType)
        {
            foreach (var a in t.GetGenericArguments().SelectMany(Flatten))
            {
                yield return a;
            }
        }
        if (t.IsArray)
        {
            foreach (var a in Flatten(t.GetElementType()!))
            {
                yield return a;
            }
        }
    }
}
