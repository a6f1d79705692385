using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Properties;

/// <summary>
/// Property tests of the push endpoints over HTTP: any body, above all near-misses of valid ones, is answered 2xx or a
/// 4xx with a Prometheus-shaped JSON error, never a 5xx or a dropped connection.
/// </summary>
public sealed class PushDecoderPropertyTests : IAsyncLifetime
{
    private TestVigil _vigil = null!;

    private HttpClient Http => _vigil.Http;

    public async Task InitializeAsync() => _vigil = await TestVigil.StartAsync();

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\"metric_name\"", "\"value\"", "\"metric_type\"", "\"tags\"", "\"unit\"", "\"source\"",
        "\"timestamp\"", "\"metrics\"", "\"Counter\"", "\"Histogram\"", "\"Summary\"", "\"x\"", "\"a b\"", "\"\\ud800\"", "\"\\udc00x\"",
        "\"\\u0000\"", "1", "-1", "1e308", "1e999", "0.5", "\"NaN\"", "\"+Inf\"", "null", "true", "false", "\"2024-01-01T00:00:00Z\"",
        "1700000000", "9223372036854775807", "\"\\\"\"", " ", "\n",
    ];

    private static readonly string[] ValidJson =
    [
        """{"metric_name": "orders_total", "value": 3, "metric_type": "Counter", "tags": {"shop": "eu"}, "source": "web"}""",
        """[{"metric_name": "latency_seconds", "value": 0.2, "metric_type": "Histogram", "unit": "seconds"}, {"metric_name": "q", "value": "NaN"}]""",
        """{"metrics": [{"metric_name": "temp", "value": -4.5, "timestamp": "2024-01-01T00:00:00Z", "tags": {"room": "a\"b"}}]}""",
    ];

    private static readonly string[] ValidText =
    [
        "# HELP jobs Jobs.\n# TYPE jobs counter\njobs{queue=\"a\"} 7\njobs{queue=\"b\\\"\\n\"} 9 1700000000000\n",
        "# TYPE temp gauge\ntemp 1.5\ntemp{room=\"\u00e9\"} -Inf\n",
    ];

    private static Gen<byte[]> Mutate(string[] valid) =>
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Select(Gen.Int[0, 3], Gen.Double.Unit, Gen.Byte, Gen.Int[0, JsonTokens.Length - 1]).Array[1, 5], (i, edits) =>
        {
            var bytes = Encoding.UTF8.GetBytes(valid[i]).ToList();
            foreach (var (kind, where, b, token) in edits)
            {
                int at = (int)(where * bytes.Count);
                switch (kind)
                {
                    case 0 when at < bytes.Count:
                        bytes[at] = b;
                        break;
                    case 1:
                        bytes.InsertRange(at, Encoding.UTF8.GetBytes(JsonTokens[token]));
                        break;
                    case 2 when at < bytes.Count:
                        bytes.RemoveAt(at);
                        break;
                    default:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                }
            }
            return bytes.ToArray();
        });

    private static readonly Gen<byte[]> JsonSoup = Gen.Int[0, JsonTokens.Length - 1].Array[0, 40]
        .Select(ix => Encoding.UTF8.GetBytes(string.Concat(ix.Select(i => JsonTokens[i]))));

    private async Task AssertCleanAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(path.EndsWith("push", StringComparison.Ordinal) ? "application/json" : "text/plain");
        using var r = await Http.PostAsync(path, content);
        string text = await r.Content.ReadAsStringAsync();
        int status = (int)r.StatusCode;
        Assert.True(status is >= 200 and < 500, $"{status}: {text}");
        if (status >= 400)
        {
            using var doc = JsonDocument.Parse(text);
            Assert.Equal("error", doc.RootElement.GetProperty("status").GetString());
            Assert.NotEmpty(doc.RootElement.GetProperty("error").GetString()!);
        }
    }

    [Fact]
    public async Task PushJson_AnyBody_2xxOr4xxWithAReason()
        => await Gen.OneOf(Mutate(ValidJson), Mutate(ValidJson), JsonSoup, Gen.Byte.Array[0, 100])
            .SampleAsync(body => AssertCleanAsync("/api/v1/push", body), iter: 400, threads: 1, print: b => Encoding.UTF8.GetString(b));

    [Fact]
    public async Task ImportText_AnyBody_2xxOr4xxWithAReason()
        => await Gen.OneOf(Mutate(ValidText), Mutate(ValidText), Gen.Byte.Array[0, 100])
            .SampleAsync(body => AssertCleanAsync("/api/v1/import/prometheus", body), iter: 400, threads: 1, print: b => Encoding.UTF8.GetString(b));
}
