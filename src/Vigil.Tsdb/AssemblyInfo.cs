namespace Vigil.Tsdb;

/// <summary>Marker type for the Vigil.Tsdb assembly (used for reflection and assembly scanning).</summary>
public static class AssemblyMarker
{
    /// <summary>The assembly's display name.</summary>
    public static string Name => typeof(AssemblyMarker).Assembly.GetName().Name!;
}
