using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Server.Security;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests.Security;

/// <summary>A server with TLS, basic-auth users and bearer tokens from a web configuration, driven over real HTTPS.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private readonly MemoryStorage _storage = new();
    private SecureVigil _vigil = null!;

    public async Task InitializeAsync() => _vigil = await SecureVigil.StartAsync(_storage);

    public async Task DisposeAsync() => await _vigil.DisposeAsync();

    private static StringContent Sample(string name) => new($"{name}{{src=\"test\"}} 1\n", Encoding.UTF8, "text/plain");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage r)
    {
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Query_OverTlsWithRightPassword_Answers()
    {
        Assert.Equal("https", _vigil.BaseAddress.Scheme);
        using var http = _vigil.Client("alice:alice-secret");
        using var r = await http.GetAsync("api/v1/query?query=1%2B1");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("2", (await JsonAsync(r)).GetProperty("data").GetProperty("result")[1].GetString());
    }

    [Fact]
    public async Task Query_WithoutCredentials_401WithBasicChallengeAndJsonError()
    {
        using var http = _vigil.Client();
        using var r = await http.GetAsync("api/v1/query?query=1");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("Basic realm=\"Vigil\"", r.Headers.WwwAuthenticate.ToString());
        var body = await JsonAsync(r);
        Assert.Equal("error", body.GetProperty("status").GetString());
        Assert.Equal("unauthorized", body.GetProperty("errorType").GetString());
        Assert.Contains("authentication required", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice:wrong")]
    [InlineData("mallory:alice-secret")]
    [InlineData("not-a-token-at-all-0123456789")]
    public async Task Query_WrongCredentials_401(string credentials)
    {
        using var http = _vigil.Client(credentials);
        using var r = await http.GetAsync("api/v1/query?query=1");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    public async Task Push_ReadOnlyUser_403AndNothingStored()
    {
        using var http = _vigil.Client("reader:reader-secret");
        using var r = await http.PostAsync("api/v1/import/prometheus", Sample("refused_metric"));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        var body = await JsonAsync(r);
        Assert.Equal("forbidden", body.GetProperty("errorType").GetString());
        Assert.Equal("reader may read, but POST /api/v1/import/prometheus needs the write scope", body.GetProperty("error").GetString());
        Assert.DoesNotContain(_storage.AllSeries(), s => s.Get("__name__") == "refused_metric");
    }

    [Fact]
    public async Task Push_WriteUser_Stored()
    {
        using var http = _vigil.Client("pusher:pusher-secret");
        using var r = await http.PostAsync("api/v1/import/prometheus", Sample("pushed_metric"));
        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Contains(_storage.AllSeries(), s => s.Get("__name__") == "pushed_metric");
    }

    [Theory]
    [InlineData("read-token-0123456789abcdef", HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden)]
    [InlineData("write-token-0123456789abcdef", HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Forbidden)]
    [InlineData("admin-token-0123456789abcdef", HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.OK)]
    [InlineData("pusher:pusher-secret", HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.Forbidden)]
    [InlineData("alice:alice-secret", HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.OK)]
    public async Task Scopes_ReadWriteAdmin_EachIncludesTheOnesBelow(string credentials, HttpStatusCode read, HttpStatusCode write, HttpStatusCode admin)
    {
        using var http = _vigil.Client(credentials);
        using (var r = await http.GetAsync("api/v1/labels"))
        {
            Assert.Equal(read, r.StatusCode);
        }
        using (var r = await http.PostAsync("api/v1/import/prometheus", Sample("scoped_metric")))
        {
            Assert.Equal(write, r.StatusCode);
        }
        using (var r = await http.GetAsync("api/v1/status/config"))
        {
            Assert.Equal(admin, r.StatusCode);
        }
    }

    [Theory]
    [InlineData("-/healthy")]
    [InlineData("-/ready")]
    public async Task HealthEndpoints_WithoutCredentials_Open(string path)
    {
        await _vigil.Server.FirstCollection.WaitAsync(TimeSpan.FromSeconds(30));
        using var http = _vigil.Client();
        using var r = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task SecurityStatus_NamesTheCallerAndScope()
    {
        using var http = _vigil.Client("read-token-0123456789abcdef");
        var data = (await JsonAsync(await http.GetAsync("api/v1/status/security"))).GetProperty("data");
        Assert.True(data.GetProperty("tls").GetBoolean());
        Assert.Equal(["basic auth", "bearer token"], data.GetProperty("authentication").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("dash", data.GetProperty("caller").GetProperty("name").GetString());
        Assert.Equal("read", data.GetProperty("caller").GetProperty("scope").GetString());
        Assert.False(data.GetProperty("insecureListen").GetBoolean());
    }

    [Fact]
    public async Task Refusals_CountedByReasonInMetrics()
    {
        using (var anonymous = _vigil.Client())
        {
            (await anonymous.GetAsync("api/v1/labels")).Dispose();
        }
        using var http = _vigil.Client("reader:reader-secret");
        (await http.PostAsync("api/v1/push", new StringContent("{}"))).Dispose();
        string metrics = await http.GetStringAsync("metrics");
        Assert.Matches("(?m)^vigil_http_auth_failures_total\\{reason=\"unauthorized\"\\} [1-9]", metrics);
        Assert.Matches("(?m)^vigil_http_auth_failures_total\\{reason=\"forbidden\"\\} [1-9]", metrics);
    }

    [Fact]
    public async Task Dashboard_BrowserWithoutCredentials_SignInPageWithTokenForm()
    {
        using var http = _vigil.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "alerts");
        request.Headers.Accept.ParseAdd("text/html");
        using var r = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        string html = await r.Content.ReadAsStringAsync();
        Assert.Contains("<form method=\"post\" action=\"/-/login\">", html, StringComparison.Ordinal);
        Assert.Contains("value=\"/alerts\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_ValidToken_SetsCookieThatAuthenticates()
    {
        var cookies = new CookieContainer();
        var handler = new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var http = new HttpClient(handler) { BaseAddress = _vigil.BaseAddress };
        using (var bad = await http.PostAsync("-/login", new FormUrlEncodedContent([new("token", "wrong-token-0123456789abcdef"), new("next", "/alerts")])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
            Assert.Contains("That token is not valid.", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var ok = await http.PostAsync("-/login", new FormUrlEncodedContent([new("token", "read-token-0123456789abcdef"), new("next", "//evil.example/")])))
        {
            Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
            Assert.Equal("/", ok.Headers.Location!.OriginalString);
            string cookie = Assert.Single(ok.Headers.GetValues("Set-Cookie"));
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        }
        using var r = await http.GetAsync("api/v1/status/security");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("dash", (await JsonAsync(r)).GetProperty("data").GetProperty("caller").GetProperty("name").GetString());
    }

    [Fact]
    public async Task WebConfig_PasswordChangedOnDisk_NewPasswordWorksWithoutRestart()
    {
        using var oldPassword = _vigil.Client("reader:reader-secret");
        using var newPassword = _vigil.Client("reader:changed-secret");
        Assert.Equal(HttpStatusCode.OK, (await oldPassword.GetAsync("api/v1/labels")).StatusCode);
        string text = await File.ReadAllTextAsync(_vigil.WebConfigFile);
        string oldHash = text.Split('\n').Single(l => l.StartsWith("  reader: $2", StringComparison.Ordinal))["  reader: ".Length..];
        await File.WriteAllTextAsync(_vigil.WebConfigFile, text.Replace(oldHash, BCrypt.Net.BCrypt.HashPassword("changed-secret", 4), StringComparison.Ordinal));

        await Poll.UntilAsync(async () => (await newPassword.GetAsync("api/v1/labels")).StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldPassword.GetAsync("api/v1/labels")).StatusCode);
    }

    [Fact]
    public async Task WebConfig_TokenFileReplaced_NewTokenWorksOldRefused()
    {
        using var oldToken = _vigil.Client("write-token-0123456789abcdef");
        using var newToken = _vigil.Client("rotated-token-0123456789abcdef");
        Assert.Equal(HttpStatusCode.OK, (await oldToken.GetAsync("api/v1/labels")).StatusCode);
        await File.WriteAllTextAsync(Path.Combine(_vigil.Directory, "ci.token"), "rotated-token-0123456789abcdef\n");

        await Poll.UntilAsync(async () => (await newToken.GetAsync("api/v1/labels")).StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldToken.GetAsync("api/v1/labels")).StatusCode);
    }

    [Fact]
    public async Task WebConfig_BrokenEditOnDisk_PreviousSettingsStayInForce()
    {
        using var http = _vigil.Client("alice:alice-secret");
        await File.AppendAllTextAsync(_vigil.WebConfigFile, "basic_auth_users: [oops\n");
        // Note: the file is checked every WebAccess.CheckInterval; the alice credentials must keep working throughout.
        await Poll.ForAsync(async () =>
        {
            using var r = await http.GetAsync("api/v1/status/security");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            return (await JsonAsync(r)).GetProperty("data");
        }, data => !data.GetProperty("webConfigReloadSuccessful").GetBoolean(), data => "the broken edit was not noticed: " + data, WebAccess.CheckInterval * 10);
        using var anonymous = _vigil.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/v1/labels")).StatusCode);
    }

    [Fact]
    public async Task Approve_WithAuthConfigured_NeedsAdmin()
    {
        using var writer = _vigil.Client("pusher:pusher-secret");
        using var r = await writer.PostAsync("api/v1/optimizations/0123456789abcdef/approve", null);
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Contains("needs the admin scope", (await JsonAsync(r)).GetProperty("error").GetString(), StringComparison.Ordinal);
        using var admin = _vigil.Client("admin-token-0123456789abcdef");
        using var allowed = await admin.PostAsync("api/v1/optimizations/0123456789abcdef/approve", null);
        // Note: no optimizer runs here, so an admin gets past the access checks to the optimizer's own answer.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, allowed.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_WithoutCredentials_401NotA404()
    {
        using var http = _vigil.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/v1/nothing-here")).StatusCode);
        using var authed = _vigil.Client("alice:alice-secret");
        using var r = await authed.GetAsync("api/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("not_found", (await JsonAsync(r)).GetProperty("errorType").GetString());
    }
}
