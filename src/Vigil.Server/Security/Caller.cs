using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Vigil.Server.Security;

/// <summary>Who made a request, as the web configuration established it, and what they may do.</summary>
/// <param name="Name">The basic-auth user, the bearer token's name, or the client certificate's subject.</param>
/// <param name="Scope">The highest scope the caller holds.</param>
/// <param name="Method">How the caller proved it: <c>basic auth</c>, <c>bearer token</c>, <c>client certificate</c>, or <c>none</c>.</param>
public sealed record Caller(string Name, AccessScope Scope, string Method)
{
    /// <summary>Everyone, when no authentication is configured (a loopback listener, or <c>--web.insecure-listen</c>).</summary>
    public static Caller Anonymous { get; } = new("anonymous", AccessScope.Admin, "none");

    /// <summary>True when the caller proved who they are (not <see cref="Anonymous"/>).</summary>
    public bool IsAuthenticated => !ReferenceEquals(this, Anonymous);

    /// <summary>The caller of a request that passed the access checks; null for requests that did not reach them.</summary>
    public static Caller? Of(HttpContext ctx) => ctx.Features.Get<Caller>();

    /// <summary>Records the caller on the request: as a feature, and as <see cref="HttpContext.User"/> for logging and audit.</summary>
    internal void Attach(HttpContext ctx)
    {
        ctx.Features.Set(this);
        if (IsAuthenticated)
        {
            ctx.User = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, Name), new Claim(ClaimTypes.Role, Scope.Name())], Method, ClaimTypes.Name, ClaimTypes.Role));
        }
    }
}
