using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Vigil.Server.Profiles;

/// <summary>
/// The CPU profiles uploaded by <c>vigil profile --upload</c>: in <c>profiles/</c> under the data directory (one
/// <c>ID.folded</c> with the stacks and one <c>ID.json</c> with what else is known), or in memory without one. Keeps the
/// newest <see cref="MaxProfiles"/>. Thread-safe.
/// </summary>
internal sealed class ProfileStore
{
    /// <summary>The most profiles kept; the oldest go first.</summary>
    public const int MaxProfiles = 200;

    private readonly string? _dir;
    private readonly TimeProvider _clock;
    private readonly object _lock = new();
    private readonly SortedDictionary<string, StoredProfile> _profiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _memoryStacks = new(StringComparer.Ordinal);

    /// <summary>Opens the store; <paramref name="dataDirectory"/> null keeps profiles in memory only.</summary>
    public ProfileStore(string? dataDirectory, TimeProvider clock)
    {
        _clock = clock;
        if (dataDirectory is null)
        {
            return;
        }
        _dir = Path.Combine(dataDirectory, "profiles");
        Directory.CreateDirectory(_dir);
        foreach (string file in Directory.EnumerateFiles(_dir, "*.json"))
        {
            try
            {
                var p = JsonSerializer.Deserialize(File.ReadAllText(file), ProfileJson.Default.StoredProfile);
                if (p is not null && File.Exists(StacksPath(p.Id)))
                {
                    _profiles[p.Id] = p;
                }
            }
            catch (JsonException)
            {
                // Note: a half-written file from a crash is skipped, not fatal; its stacks are useless without it.
            }
        }
    }

    /// <summary>The profiles, newest first.</summary>
    public IReadOnlyList<StoredProfile> List()
    {
        lock (_lock)
        {
            return _profiles.Values.Reverse().ToList();
        }
    }

    /// <summary>One profile and its stacks in collapsed form, or null.</summary>
    public (StoredProfile Profile, string Collapsed)? Find(string id)
    {
        lock (_lock)
        {
            if (!_profiles.TryGetValue(id, out var p))
            {
                return null;
            }
            return (p, _dir is null ? _memoryStacks[id] : File.ReadAllText(StacksPath(id)));
        }
    }

    /// <summary>Stores a profile; <paramref name="collapsed"/> must be valid (see <see cref="CollapsedStacks.Parse"/>).</summary>
    public StoredProfile Add(string collapsed, string process, int pid, string host, double durationSeconds)
    {
        var stacks = CollapsedStacks.Parse(collapsed);
        var now = _clock.GetUtcNow();
        string id = now.ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var profile = new StoredProfile(id, now, process, pid, host, durationSeconds, stacks.Sum(s => s.Samples), stacks.Count);
        string text = CollapsedStacks.Format(stacks);
        lock (_lock)
        {
            if (_dir is null)
            {
                _memoryStacks[id] = text;
            }
            else
            {
                // Note: stacks first, then the metadata that makes the profile visible, each through a temporary file.
                WriteAtomically(StacksPath(id), text);
                WriteAtomically(Path.Combine(_dir, id + ".json"), JsonSerializer.Serialize(profile, ProfileJson.Default.StoredProfile));
            }
            _profiles[id] = profile;
            while (_profiles.Count > MaxProfiles)
            {
                Remove(_profiles.Keys.First());
            }
        }
        return profile;
    }

    private void Remove(string id)
    {
        _profiles.Remove(id);
        _memoryStacks.Remove(id);
        if (_dir is not null)
        {
            File.Delete(Path.Combine(_dir, id + ".json"));
            File.Delete(StacksPath(id));
        }
    }

    private string StacksPath(string id) => Path.Combine(_dir!, id + ".folded");

    private static void WriteAtomically(string path, string text)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }
}
