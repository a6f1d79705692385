using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Api;

/// <summary>Bodies of <c>/api/v1/push</c> and <c>/api/v1/import/prometheus</c> that are not valid text: always a 400 naming the problem, nothing stored.</summary>
public sealed class PushApiHostileInputTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync(storage: _storage);

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    public static TheoryData<string> BadStrings => new()
    {
        // A lone high surrogate escape in a value, in a tag value, in a key; a lone low surrogate; a reversed pair.
        """{"metric_name": "x\ud800", "value": 1}""",
        """{"metric_name": "x", "value": 1, "tags": {"service": "\ud800"}}""",
        """{"metric_name": "x", "value": 1, "tags": {"\udc00": "a"}}""",
        """[{"metric_name": "ok", "value": 1}, {"metric_name": "x", "value": 1, "source": "\udfff\ud800"}]""",
        """{"metrics": [{"metric_name": "x", "value": 1, "unit": "\ud800"}]}""",
        """{"\ud800": 1}""",
    };

    [Theory]
    [MemberData(nameof(BadStrings))]
    public async Task Push_LoneSurrogateEscape_400WithReasonAndNothingStored(string json)
    {
        using var r = await Http.PostAsync("/api/v1/push", new StringContent(json, Encoding.UTF8, "application/json"));

        await AssertBadDataAsync(r, "UTF-8");
    }

    [Theory]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'m', (byte)'e', (byte)'t', (byte)'r', (byte)'i', (byte)'c', (byte)'_', (byte)'n', (byte)'a', (byte)'m', (byte)'e', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)',', (byte)'"', (byte)'v', (byte)'a', (byte)'l', (byte)'u', (byte)'e', (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData(new byte[] { (byte)'[', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)']' })]
    public async Task Push_InvalidUtf8Bytes_400WithReasonAndNothingStored(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var r = await Http.PostAsync("/api/v1/push", content);

        await AssertBadDataAsync(r, null);
    }

    [Fact]
    public async Task Import_InvalidUtf8InALabelValue_400WithPosition()
    {
        byte[] body = [.. "ok_metric 1\nbad{a=\""u8, 0xC3, 0x28, .. "\"} 1\n"u8];
        using var content = new ByteArrayContent(body);
        using var r = await Http.PostAsync("/api/v1/import/prometheus", content);

        await AssertBadDataAsync(r, null);
    }

    private async Task AssertBadDataAsync(HttpResponseMessage r, string? mentions)
    {
        string text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{(int)r.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Equal("error", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("bad_data", doc.RootElement.GetProperty("errorType").GetString());
        string error = doc.RootElement.GetProperty("error").GetString()!;
        Assert.NotEmpty(error);
        if (mentions is not null)
        {
            Assert.Contains(mentions, error, StringComparison.Ordinal);
        }
        Assert.Empty(_storage.AllSeries());
    }
}
