namespace Vigil.Server.Security;

/// <summary>
/// What a route needs and what a caller may do. Each scope includes the ones below it: <see cref="Admin"/> may write
/// and read, <see cref="Write"/> may read.
/// </summary>
public enum AccessScope
{
    /// <summary>Open to everyone, even with authentication configured (<c>/-/healthy</c>, <c>/-/ready</c>), as in Prometheus.</summary>
    Public = 0,

    /// <summary>Queries, the dashboard, status and metadata.</summary>
    Read = 1,

    /// <summary>Adding data: push, import, profile upload.</summary>
    Write = 2,

    /// <summary>Changing the server: configuration reload, optimizer decisions, the configuration itself.</summary>
    Admin = 3,
}
