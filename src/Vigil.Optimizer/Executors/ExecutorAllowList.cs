using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Optimizer.Executors;

/// <summary>
/// <c>optimization.allowed_commands</c> and <c>optimization.allowed_webhook_hosts</c>: when set, a <c>command</c>
/// executor may run only the programs listed, and <c>webhook</c> and <c>tunable</c> executors may reach only the hosts
/// listed. Checked when the configuration loads and again before every call.
/// </summary>
/// <remarks>
/// Programs are absolute paths, compared after <c>..</c> and <c>.</c> are resolved; <c>*</c> matches within one path
/// segment and <c>**</c> across segments (<c>/opt/vigil/actions/*</c>). Hosts are names or addresses, compared without
/// case; <c>*.example.com</c> matches any subdomain; <c>host:port</c> also fixes the port (an IPv6 address in brackets:
/// <c>[::1]:9000</c>). An empty list allows everything, as before the lists existed. Immutable and thread-safe.
/// </remarks>
internal sealed class ExecutorAllowList
{
    private readonly Regex[] _commands;
    private readonly (string Host, int? Port)[] _hosts;

    public ExecutorAllowList(IReadOnlyList<string> commands, IReadOnlyList<string> hosts)
    {
        Commands = commands;
        Hosts = hosts;
        _commands = commands.Select(Glob).ToArray();
        _hosts = hosts.Select(h => TryParseHost(h, out var host, out var port, out _) ? (host, port) : (h.ToLowerInvariant(), (int?)null)).ToArray();
    }

    /// <summary>Allows everything.</summary>
    public static ExecutorAllowList None { get; } = new([], []);

    /// <summary>The <c>allowed_commands</c> patterns.</summary>
    public IReadOnlyList<string> Commands { get; }

    /// <summary>The <c>allowed_webhook_hosts</c> patterns.</summary>
    public IReadOnlyList<string> Hosts { get; }

    /// <summary>Null when <paramref name="program"/> may run; otherwise why not.</summary>
    public string? CheckCommand(string program)
    {
        if (_commands.Length == 0)
        {
            return null;
        }
        if (!Path.IsPathFullyQualified(program))
        {
            return $"\"{program}\" is not an absolute path, so it cannot match optimization.allowed_commands";
        }
        string full = Path.GetFullPath(program);
        return _commands.Any(r => r.IsMatch(full)) ? null
            : $"\"{full}\" is not in optimization.allowed_commands ({string.Join(", ", Commands)})";
    }

    /// <summary>Null when requests may go to <paramref name="uri"/>; otherwise why not.</summary>
    public string? CheckUrl(Uri uri)
    {
        if (_hosts.Length == 0)
        {
            return null;
        }
        string host = uri.IdnHost.ToLowerInvariant().Trim('[', ']');
        int port = uri.Port;
        foreach (var (pattern, fixedPort) in _hosts)
        {
            bool hostMatches = pattern.StartsWith("*.", StringComparison.Ordinal)
                ? host.EndsWith(pattern[1..], StringComparison.Ordinal) && host.Length > pattern.Length - 1
                : host == pattern;
            if (hostMatches && (fixedPort is null || fixedPort == port))
            {
                return null;
            }
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"host {uri.IdnHost}:{port} is not in optimization.allowed_webhook_hosts ({string.Join(", ", Hosts)})");
    }

    /// <summary>Validates one <c>allowed_webhook_hosts</c> entry.</summary>
    public static bool TryParseHost(string text, out string host, out int? port, out string error)
    {
        host = string.Empty;
        port = null;
        error = string.Empty;
        string t = text.Trim().ToLowerInvariant();
        if (t.Length == 0 || t.Contains("://", StringComparison.Ordinal) || t.Contains('/', StringComparison.Ordinal))
        {
            error = $"\"{text}\" is not a host name, address or host:port (no scheme or path)";
            return false;
        }
        string hostPart = t;
        int colon = t.StartsWith('[') ? t.IndexOf("]:", StringComparison.Ordinal) + 1 : (t.Count(c => c == ':') == 1 ? t.IndexOf(':', StringComparison.Ordinal) : -1);
        if (colon > 0)
        {
            if (!int.TryParse(t.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
            {
                error = $"\"{text}\" has an invalid port";
                return false;
            }
            port = p;
            hostPart = t[..colon];
        }
        hostPart = hostPart.Trim('[', ']');
        string check = hostPart.StartsWith("*.", StringComparison.Ordinal) ? hostPart[2..] : hostPart;
        if (check.Length == 0 || Uri.CheckHostName(check) == UriHostNameType.Unknown)
        {
            error = $"\"{text}\" is not a host name or address (a leading *. matches subdomains)";
            return false;
        }
        host = hostPart;
        return true;
    }

    /// <summary>Validates one <c>allowed_commands</c> entry.</summary>
    public static string? CheckCommandPattern(string pattern)
        => Path.IsPathFullyQualified(pattern) ? null : $"\"{pattern}\" is not an absolute path (or a pattern of one, like /opt/vigil/actions/*)";

    private static Regex Glob(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
