using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Vigil.Server.Security;

/// <summary>
/// Checks basic-auth passwords against bcrypt hashes. Results are cached by a digest of user, hash and password (so a
/// client sending the same credentials every request costs one bcrypt run), and bcrypt runs one at a time because it
/// is meant to be slow. An unknown user is checked against a fixed hash, so timing does not reveal which users exist.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class BasicAuthVerifier
{
    private const int MaxCached = 1024;

    // Note: a hash of a random password, made once per process; an unknown user's check costs the same as a known one's.
    private static readonly Lazy<string> DecoyHash = new(() => BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), 10));

    private readonly ConcurrentDictionary<string, bool> _cache = new(StringComparer.Ordinal);
    private readonly Lock _bcrypt = new();

    /// <summary>True when <paramref name="user"/> is in <paramref name="users"/> and <paramref name="password"/> matches their hash.</summary>
    public bool Verify(string user, string password, IReadOnlyDictionary<string, string> users)
    {
        bool known = users.TryGetValue(user, out string? hash);
        hash = known ? hash! : DecoyHash.Value;
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(user + "\0" + hash + "\0" + password)));
        if (_cache.TryGetValue(key, out bool cached))
        {
            return cached && known;
        }
        bool ok;
        lock (_bcrypt)
        {
            ok = Matches(password, hash);
        }
        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }
        _cache[key] = ok;
        return ok && known;
    }

    private static bool Matches(string password, string hash)
    {
        try
        {
            // Note: $2y$ (htpasswd) and $2b$ are the same algorithm; the library reads both.
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }
}
