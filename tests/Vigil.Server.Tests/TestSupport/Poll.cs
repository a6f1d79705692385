namespace Vigil.Server.Tests.TestSupport;

/// <summary>Waits for a condition by polling, so tests hold on a loaded machine without fixed sleeps.</summary>
internal static class Poll
{
    /// <summary>
    /// Polls <paramref name="condition"/> every 100 ms until it is true; fails with <paramref name="describe"/>'s text
    /// after <paramref name="timeout"/> (20 s by default). An <see cref="HttpRequestException"/> counts as "not yet".
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string>? describe = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not up yet.
            }
            await Task.Delay(100);
        }
        Assert.Fail($"condition not met within {limit.TotalSeconds} s{(describe is null ? string.Empty : ":\n" + describe())}");
    }

    /// <summary>
    /// Reads <paramref name="read"/> every 100 ms until <paramref name="done"/> holds for the value, and returns that value;
    /// fails with the last value (through <paramref name="describe"/>) after <paramref name="timeout"/> (20 s by default).
    /// An <see cref="HttpRequestException"/> counts as "not yet".
    /// </summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T?, string>? describe = null, TimeSpan? timeout = null)
    {
        T? last = default;
        await UntilAsync(async () =>
        {
            last = await read();
            return done(last);
        }, () => describe?.Invoke(last) ?? string.Empty, timeout);
        return last!;
    }
}
