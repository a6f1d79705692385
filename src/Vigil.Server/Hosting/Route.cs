using Microsoft.AspNetCore.Http;
using Vigil.Server.Security;

namespace Vigil.Server.Hosting;

/// <summary>One HTTP route of the server: methods, path pattern, the scope a caller needs, the handler and what it is for.</summary>
/// <param name="Methods">The HTTP methods it answers.</param>
/// <param name="Pattern">The ASP.NET Core route pattern (<c>/api/v1/label/{name}/values</c>); also the <c>handler</c> label of the request metrics.</param>
/// <param name="Scope">What a caller needs when authentication is configured.</param>
/// <param name="Handler">The request handler.</param>
/// <param name="Description">One line for the documentation's table.</param>
internal sealed record Route(string[] Methods, string Pattern, AccessScope Scope, RequestDelegate Handler, string Description)
{
    public static readonly string[] GetHead = [HttpMethods.Get, HttpMethods.Head];

    public static readonly string[] Get = [HttpMethods.Get];

    public static readonly string[] GetPost = [HttpMethods.Get, HttpMethods.Post];

    public static readonly string[] Post = [HttpMethods.Post];

    public static readonly string[] PostPut = [HttpMethods.Post, HttpMethods.Put];
}

/// <summary>Endpoint metadata: the scope a route needs (read by the access middleware).</summary>
internal sealed record RouteScope(AccessScope Scope);
