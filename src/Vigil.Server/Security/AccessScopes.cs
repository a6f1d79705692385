namespace Vigil.Server.Security;

/// <summary>Names and ordering of <see cref="AccessScope"/> as written in the web configuration file and the docs.</summary>
public static class AccessScopes
{
    /// <summary>The names a configuration may give: <c>read</c>, <c>write</c>, <c>admin</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["read", "write", "admin"];

    /// <summary>The lower-case name (<c>public</c>, <c>read</c>, <c>write</c>, <c>admin</c>).</summary>
    public static string Name(this AccessScope scope) => scope switch
    {
        AccessScope.Public => "public",
        AccessScope.Read => "read",
        AccessScope.Write => "write",
        AccessScope.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    /// <summary>Parses <c>read</c>, <c>write</c> or <c>admin</c>.</summary>
    public static bool TryParse(string text, out AccessScope scope)
    {
        switch (text)
        {
            case "read":
                scope = AccessScope.Read;
                return true;
            case "write":
                scope = AccessScope.Write;
                return true;
            case "admin":
                scope = AccessScope.Admin;
                return true;
            default:
                scope = AccessScope.Public;
                return false;
        }
    }

    /// <summary>True when a caller holding <paramref name="held"/> may use a route that needs <paramref name="needed"/>.</summary>
    public static bool Allows(this AccessScope held, AccessScope needed) => held >= needed;
}
