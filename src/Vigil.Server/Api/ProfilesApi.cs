using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Server.Profiles;

namespace Vigil.Server.Api;

/// <summary>
/// <c>/api/v1/profiles</c>: CPU profiles uploaded by <c>vigil profile --upload</c> (collapsed stacks in the body;
/// <c>process</c>, <c>pid</c>, <c>host</c> and <c>duration</c> in the query string), listed newest first, and each one's
/// stacks as JSON or, with <c>format=collapsed</c>, as the text flamegraph.pl and speedscope import.
/// </summary>
/// <remarks>Uploads are open like <c>/api/v1/push</c>: the server listens on loopback unless told otherwise.</remarks>
internal sealed class ProfilesApi(ProfileStore store)
{
    public async Task UploadAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        int pid = 0;
        if (q["pid"].ToString() is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out pid) || pid <= 0))
        {
            throw ApiException.InvalidParameter("pid", $"\"{p}\" is not a process id");
        }
        double duration = 0;
        if (q["duration"].ToString() is { Length: > 0 } d && (!ApiDuration.TryParse(d, out var span, out _) || (duration = span.TotalSeconds) < 0))
        {
            throw ApiException.InvalidParameter("duration", $"\"{d}\" is not a duration (seconds, or 30s, 2m)");
        }
        byte[] body = await PushApi.ReadBodyAsync(ctx).ConfigureAwait(false);
        StoredProfile profile;
        try
        {
            profile = store.Add(Encoding.UTF8.GetString(body), Limit(q["process"].ToString(), "unknown"), pid, Limit(q["host"].ToString(), string.Empty), duration);
        }
        catch (FormatException e)
        {
            throw ApiException.BadData("collapsed stacks: " + e.Message + "; nothing was stored");
        }
        var w = ApiJson.BeginSuccess(ctx);
        w.WritePropertyName("data");
        JsonSerializer.Serialize(w, profile, ProfileJson.Default.StoredProfile);
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    public async Task ListAsync(HttpContext ctx)
    {
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartArray("data");
        foreach (var p in store.List())
        {
            JsonSerializer.Serialize(w, p, ProfileJson.Default.StoredProfile);
        }
        w.WriteEndArray();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    public async Task GetAsync(HttpContext ctx)
    {
        string id = (string)ctx.Request.RouteValues["id"]!;
        var found = store.Find(id) ?? throw new ApiException("not_found", $"no profile {id}", StatusCodes.Status404NotFound);
        if (ctx.Request.Query["format"].ToString() is { Length: > 0 } format)
        {
            if (format != "collapsed")
            {
                throw ApiException.InvalidParameter("format", $"\"{format}\" is not collapsed (leave it out for JSON)");
            }
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            ctx.Response.Headers.ContentDisposition = $"attachment; filename=\"profile-{id}.folded\"";
            await ctx.Response.WriteAsync(found.Collapsed, ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        var w = ApiJson.BeginSuccess(ctx);
        w.WriteStartObject("data");
        w.WritePropertyName("profile");
        JsonSerializer.Serialize(w, found.Profile, ProfileJson.Default.StoredProfile);
        w.WriteStartArray("stacks");
        foreach (var (stack, samples) in CollapsedStacks.Parse(found.Collapsed))
        {
            w.WriteStartArray();
            w.WriteStringValue(stack);
            w.WriteNumberValue(samples);
            w.WriteEndArray();
            await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        await ApiJson.EndSuccessAsync(ctx, w, []).ConfigureAwait(false);
    }

    private static string Limit(string text, string fallback)
    {
        string t = text.Trim();
        return t.Length == 0 ? fallback : t.Length > 200 ? t[..200] : t;
    }
}
