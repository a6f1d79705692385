using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Vigil.Server.Api;

/// <summary>
/// What Vigil's own list endpoints (<c>/api/v1/insights</c>, <c>/api/v1/optimizations</c>) share: a positive
/// <c>limit</c>, filters given as comma-separated case-insensitive names, and a filtered array streamed out.
/// </summary>
internal static class ListQuery
{
    /// <summary>The <c>limit</c> parameter: a positive integer, <paramref name="defaultLimit"/> when absent; else a 400.</summary>
    public static int Limit(IQueryCollection query, int defaultLimit)
    {
        int limit = defaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit <= 0))
        {
            throw ApiException.InvalidParameter("limit", $"\"{l}\" is not a positive integer");
        }
        return limit;
    }

    /// <summary>The members of <typeparamref name="T"/> named in <paramref name="parameter"/> (empty: no filter); a name that is not one is a 400.</summary>
    public static HashSet<T> Enums<T>(IQueryCollection query, string parameter)
        where T : struct, Enum
    {
        var result = new HashSet<T>();
        foreach (string part in Split(query[parameter].ToString()))
        {
            // Note: Enum.TryParse also takes numbers; the API takes names only.
            if (!Enum.TryParse<T>(part, ignoreCase: true, out var v) || int.TryParse(part, CultureInfo.InvariantCulture, out _))
            {
                throw ApiException.InvalidParameter(parameter, $"\"{part}\" is not one of {string.Join(", ", Enum.GetNames<T>())}");
            }
            result.Add(v);
        }
        return result;
    }

    /// <summary>The entries of a comma-separated list, trimmed, empty ones left out.</summary>
    public static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Writes the array <paramref name="name"/> of the items <paramref name="keep"/> accepts, at most <paramref name="limit"/>, flushing as it goes.</summary>
    public static async Task WriteArrayAsync<T>(HttpContext ctx, Utf8JsonWriter w, string name, IEnumerable<T> items, Func<T, bool> keep, int limit, JsonTypeInfo<T> type)
    {
        w.WriteStartArray(name);
        int written = 0;
        foreach (var item in items)
        {
            if (!keep(item))
            {
                continue;
            }
            if (written++ == limit)
            {
                break;
            }
            JsonSerializer.Serialize(w, item, type);
            await ApiJson.MaybeFlushAsync(ctx, w).ConfigureAwait(false);
        }
        w.WriteEndArray();
    }
}
