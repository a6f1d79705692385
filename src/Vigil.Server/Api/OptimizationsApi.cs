using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Optimizer;
using Vigil.Optimizer.History;
using Vigil.Optimizer.Model;

namespace Vigil.Server.Api;

/// <summary>
/// <c>/api/v1/optimizations</c>: the optimizer's history (list and one execution) and the approve, reject and rollback
/// requests, in the Prometheus API's envelope.
/// </summary>
/// <remarks>
/// The POST endpoints need the admin scope when the server has a web configuration with authentication (the route
/// table says so); without one, they need <c>Authorization: Bearer &lt;optimization.api_token&gt;</c> whenever a token is
/// configured, and are refused outright (403) when the server listens beyond loopback without one. Reads are open like the rest of
/// the API. Nothing here creates or changes an action: executors and parameters come from the configuration only.
/// Every approve, reject and rollback request, allowed or not, is written to the optimizer's audit log with its
/// principal: the authenticated user (<see cref="HttpContext.User"/>) when there is one, <c>api-token</c> for the
/// optimizer's bearer token, <c>anonymous</c> otherwise; <c>GET /api/v1/optimizations/audit</c> lists the log.
/// </remarks>
internal sealed class OptimizationsApi(Func<PerformanceOptimizer?> optimizer, ListenAddress listen)
{
    /// <summary>The most executions one list answer holds unless <c>limit</c> says otherwise.</summary>
    public const int DefaultLimit = 100;

    /// <summary>True when <paramref name="listen"/> accepts connections from other machines.</summary>
    public static bool BeyondLoopback(ListenAddress listen) => !listen.IsLoopback;

    public async Task ListAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        int limit = ListQuery.Limit(q, DefaultLimit);
        var statuses = ListQuery.Enums<ExecutionStatus>(q, "status");
        string policy = q["policy"].ToString(), target = q["target"].ToString();
        var opt = optimizer();
        var all = opt?.Executions() ?? [];
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WriteString("mode", (opt?.Config.Mode ?? OptimizationMode.Off).ToString().ToLowerInvariant());
        await ListQuery.WriteArrayAsync(ctx, w, "executions", all, e => (statuses.Count == 0 || statuses.Contains(e.Status))
            && (policy.Length == 0 || e.Action.Policy == policy) && (target.Length == 0 || e.Action.Target == target),
            limit, OptimizerJson.Writer.OptimizationExecution).ConfigureAwait(false);
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext ctx)
    {
        string id = (string)ctx.Request.RouteValues["id"]!;
        try
        {
            var e = optimizer()?.Find(id) ?? throw new OptimizerException($"no optimization {id}", notFound: true);
            await WriteExecutionAsync(ctx, e).ConfigureAwait(false);
        }
        catch (OptimizerException ex)
        {
            await ApiJson.WriteErrorAsync(ctx, ToApi(ex)).ConfigureAwait(false);
        }
    }

    /// <summary>The principal of a request that used the optimizer's bearer token (<c>optimization.api_token_file</c>).</summary>
    public const string ApiTokenPrincipal = "api-token";

    /// <summary>The most audit entries one answer holds.</summary>
    public const int MaxAuditLimit = AuditLog.RecentCapacity;

    /// <summary><c>GET /api/v1/optimizations/audit?limit=N</c>: the newest audit entries, newest first.</summary>
    public async Task AuditAsync(HttpContext ctx)
    {
        int limit = DefaultLimit;
        if (ctx.Request.Query["limit"].ToString() is { Length: > 0 } l
            && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit <= 0 || limit > MaxAuditLimit))
        {
            await ApiJson.WriteErrorAsync(ctx, ApiException.InvalidParameter("limit",
                string.Create(CultureInfo.InvariantCulture, $"\"{l}\" is not an integer from 1 to {MaxAuditLimit}"))).ConfigureAwait(false);
            return;
        }
        var opt = optimizer();
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        if (opt?.AuditPath is { } path)
        {
            w.WriteString("file", path);
        }
        w.WriteStartArray("entries");
        foreach (var entry in opt?.AuditEntries(limit) ?? [])
        {
            JsonSerializer.Serialize(w, entry, OptimizerJson.Writer.AuditEntry);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /api/v1/optimizations/objectives</c>: the mode, a hint when the optimizer is off, and each objective's status
    /// (the lever decider's state, evidence per lever, trials, choices and verdict).
    /// </summary>
    public async Task ObjectivesAsync(HttpContext ctx)
    {
        var opt = optimizer();
        var mode = opt?.Config.Mode ?? OptimizationMode.Off;
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WriteString("mode", mode.ToString().ToLowerInvariant());
        if (mode == OptimizationMode.Off)
        {
            w.WriteString("hint", OffHint(opt is not null));
        }
        w.WriteStartArray("objectives");
        foreach (var s in opt?.Objectives() ?? [])
        {
            JsonSerializer.Serialize(w, s, OptimizerJson.Writer.ObjectiveStatus);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    /// <summary>How to turn the optimizer on, for a server whose mode is off.</summary>
    public static string OffHint(bool configured) => configured
        ? "the optimizer is off: set optimization.mode to recommend (list only), approve (act when approved) or auto in vigil.yaml and reload (SIGHUP or POST /-/reload)"
        : "the optimizer is off: add an optimization: section with executors and policies or objectives to vigil.yaml (mode: recommend, approve or auto) and restart";

    public Task ApproveAsync(HttpContext ctx) => ChangeAsync(ctx, "approve", (o, id, actor, _) => o.Approve(id, actor));

    public Task RejectAsync(HttpContext ctx) => ChangeAsync(ctx, "reject", (o, id, actor, reason) => o.Reject(id, actor, reason));

    public Task RollbackAsync(HttpContext ctx) => ChangeAsync(ctx, "rollback", (o, id, actor, _) => o.Rollback(id, actor));

    /// <summary>Who made the request: the authenticated user, the optimizer's API token, or anonymous.</summary>
    private static string Principal(HttpContext ctx, bool usedApiToken)
        => ctx.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name
            : usedApiToken ? ApiTokenPrincipal
            : AuditEntry.Anonymous;

    private async Task ChangeAsync(HttpContext ctx, string action, Func<PerformanceOptimizer, string, string, string?, OptimizationExecution> change)
    {
        var opt = optimizer();
        if (opt is null)
        {
            await ApiJson.WriteErrorAsync(ctx, new ApiException("unavailable", "the optimizer is not configured (no optimization section)",
                StatusCodes.Status503ServiceUnavailable)).ConfigureAwait(false);
            return;
        }
        string id = (string)ctx.Request.RouteValues["id"]!;
        string from = "from " + (ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (Authorize(ctx, opt.Config.ApiToken) is { } denied)
        {
            if (denied.StatusCode == StatusCodes.Status401Unauthorized)
            {
                ctx.Response.Headers.WWWAuthenticate = "Bearer realm=\"vigil\"";
            }
            opt.AuditRequest(Principal(ctx, usedApiToken: false), action, id, "denied", denied.Message + " (" + from + ")");
            await ApiJson.WriteErrorAsync(ctx, denied).ConfigureAwait(false);
            return;
        }
        string principal = Principal(ctx, usedApiToken: opt.Config.ApiToken is not null);
        string? reason = ctx.Request.Query["reason"].ToString();
        string? by = ctx.Request.Query["by"].ToString();
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
            reason = form["reason"].ToString() is { Length: > 0 } r ? r : reason;
            by = form["by"].ToString() is { Length: > 0 } b ? b : by;
        }
        string actor = (string.IsNullOrWhiteSpace(by) ? "api" : by.Trim()) + " " + from;
        string detail = actor + (string.IsNullOrWhiteSpace(reason) ? string.Empty : "; reason: " + reason);
        try
        {
            var e = change(opt, id, actor, string.IsNullOrWhiteSpace(reason) ? null : reason);
            opt.AuditRequest(principal, action, e.Id, "ok", detail);
            await WriteExecutionAsync(ctx, e).ConfigureAwait(false);
        }
        catch (OptimizerException ex)
        {
            opt.AuditRequest(principal, action, id, "refused", ex.Message + " (" + detail + ")");
            await ApiJson.WriteErrorAsync(ctx, ToApi(ex)).ConfigureAwait(false);
        }
    }

    /// <summary>Null when the request may change executions; otherwise the error to answer.</summary>
    private ApiException? Authorize(HttpContext ctx, string? token)
    {
        if (Security.Caller.Of(ctx) is { IsAuthenticated: true })
        {
            // Note: the web configuration already authenticated the caller, and the route table required the admin scope.
            return null;
        }
        if (token is null)
        {
            return BeyondLoopback(listen)
                ? new ApiException("forbidden", "approving, rejecting and rolling back optimizations need optimization.api_token_file when Vigil listens beyond loopback",
                    StatusCodes.Status403Forbidden)
                : null;
        }
        string header = ctx.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            byte[] given = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
            byte[] expected = Encoding.UTF8.GetBytes(token);
            if (CryptographicOperations.FixedTimeEquals(given, expected))
            {
                return null;
            }
        }
        return new ApiException("unauthorized", "a valid bearer token is required (Authorization: Bearer <optimization api token>)", StatusCodes.Status401Unauthorized);
    }

    private static ApiException ToApi(OptimizerException e) => e.NotFound
        ? new ApiException("not_found", e.Message, StatusCodes.Status404NotFound)
        : new ApiException("conflict", e.Message, StatusCodes.Status409Conflict);

    private static async Task WriteExecutionAsync(HttpContext ctx, OptimizationExecution e)
    {
        var w = ApiJson.BeginSuccess(ctx);
        w.WritePropertyName("data");
        JsonSerializer.Serialize(w, e, OptimizerJson.Writer.OptimizationExecution);
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }
}
