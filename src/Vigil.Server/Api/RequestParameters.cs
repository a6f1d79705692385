using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Vigil.Server.Api;

/// <summary>
/// The parameters of an API request: URL-encoded form body values first, then query string values, like Go's
/// <c>Request.Form</c> that Prometheus reads.
/// </summary>
internal sealed class RequestParameters
{
    private readonly IFormCollection? _form;
    private readonly IQueryCollection _query;

    private RequestParameters(IFormCollection? form, IQueryCollection query)
    {
        _form = form;
        _query = query;
    }

    public static async Task<RequestParameters> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        IFormCollection? form = null;
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            try
            {
                form = await request.ReadFormAsync(ct).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw ApiException.BadData("error parsing form values: " + e.Message);
            }
        }
        return new RequestParameters(form, request.Query);
    }

    /// <summary>The first value of <paramref name="name"/>, or null when absent or empty.</summary>
    public string? Get(string name)
    {
        if (_form is not null && _form.TryGetValue(name, out var f) && f.Count > 0 && !string.IsNullOrEmpty(f[0]))
        {
            return f[0];
        }
        return _query.TryGetValue(name, out var q) && q.Count > 0 && !string.IsNullOrEmpty(q[0]) ? q[0] : null;
    }

    /// <summary>All values of <paramref name="name"/>, body first.</summary>
    public List<string> GetAll(string name)
    {
        var result = new List<string>();
        if (_form is not null && _form.TryGetValue(name, out var f))
        {
            Append(result, f);
        }
        if (_query.TryGetValue(name, out var q))
        {
            Append(result, q);
        }
        return result;
    }

    private static void Append(List<string> into, StringValues values)
    {
        foreach (var v in values)
        {
            if (v is not null)
            {
                into.Add(v);
            }
        }
    }
}
