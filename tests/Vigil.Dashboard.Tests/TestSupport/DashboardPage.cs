using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Vigil.Dashboard.Tests.TestSupport;

/// <summary>A browser page with what went wrong on it recorded: console errors, uncaught exceptions, 404 responses.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private const string ResourceNotFound = "Failed to load resource: the server responded with a status of 404";

    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly ConcurrentQueue<string> _notFound = new();

    internal DashboardPage(IBrowserContext context, IPage page, Uri baseAddress)
    {
        _context = context;
        Page = page;
        page.Request += (_, request) =>
        {
            // The dashboard is self-contained: no CDN, no other host.
            if (!request.Url.StartsWith(baseAddress.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                _errors.Enqueue($"request to another host: {request.Url}");
            }
        };
        page.Console += (_, msg) =>
        {
            if (msg.Type == "error" && !msg.Text.StartsWith(ResourceNotFound, StringComparison.Ordinal))
            {
                _errors.Enqueue($"console error: {msg.Text} at {msg.Location}");
            }
        };
        page.PageError += (_, error) => _errors.Enqueue("uncaught: " + error);
        page.RequestFailed += (_, request) =>
        {
            // Note: the dashboard aborts a query it no longer needs (a newer one started, or the page changed).
            if (request.Failure != "net::ERR_ABORTED")
            {
                _errors.Enqueue($"request failed: {request.Method} {request.Url}: {request.Failure}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status == 404)
            {
                _notFound.Enqueue(new Uri(response.Url).AbsolutePath);
            }
            else if (response.Status >= 400)
            {
                _errors.Enqueue($"HTTP {response.Status} for {response.Url}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Console errors (other than 404 resource loads), uncaught exceptions, failed requests and non-404 HTTP errors.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Paths that answered 404, each once.</summary>
    public IReadOnlySet<string> NotFoundPaths => _notFound.ToHashSet(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="path"/> and waits until the page has loaded its data once.</summary>
    public async Task GotoAsync(string path)
    {
        await Page.GotoAsync(path);
        await Page.WaitForSelectorAsync("main[data-loaded=true]");
    }

    /// <summary>Saves a full-page screenshot as <c>artifacts/screenshots/NAME.png</c>.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(RepoPaths.Screenshots);
        string file = Path.Combine(RepoPaths.Screenshots, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        return file;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
