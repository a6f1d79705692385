using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Vigil.Server.Tests.TestSupport;

/// <summary>
/// A real PostgreSQL server from Debian's <c>postgresql</c> package, created with <c>initdb</c> in a temporary
/// directory and started with <c>pg_ctl</c> on a free loopback port (as the <c>postgres</c> user when the tests run
/// as root, since PostgreSQL refuses to run as root).
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;

    private PostgresServer(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string DataDir => Path.Combine(_root, "data");

    /// <summary>A superuser connection string to <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres", bool pooling = true)
        => $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Pooling={(pooling ? "true" : "false")};Timeout=15";

    /// <summary>The newest installed PostgreSQL's bin directory; fails with an install hint when there is none.</summary>
    public static string FindBin()
    {
        var dirs = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0).ToList()
            : [];
        return dirs.Count > 0
            ? Path.Combine(dirs[0], "bin")
            : throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); ./test.sh installs it (apt-get install postgresql)");
    }

    /// <summary>Creates and starts a primary server with pg_stat_statements preloaded.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var server = new PostgresServer(FindBin(), NewRoot(), Processes.FreePort());
        await server.RunAsync("initdb", "-D", server.DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        server.AppendConfig(
            "shared_preload_libraries = 'pg_stat_statements'",
            "deadlock_timeout = 100ms",
            "wal_level = replica",
            "fsync = off",
            "full_page_writes = off");
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Creates a streaming standby of <paramref name="primary"/> with pg_basebackup and starts it.</summary>
    public static async Task<PostgresServer> StartStandbyAsync(PostgresServer primary)
    {
        var server = new PostgresServer(primary._bin, NewRoot(), Processes.FreePort());
        await server.RunAsync("pg_basebackup", "-h", "127.0.0.1", "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
            "-D", server.DataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync");
        await server.StartServerAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        Directory.Delete(_root, recursive: true);
    }

    private static string NewRoot()
    {
        string root = Directory.CreateTempSubdirectory("vigil-pg-").FullName;
        if (Environment.UserName == "root")
        {
            Run("chown", "postgres:postgres", root);
        }
        return root;
    }

    private void AppendConfig(params string[] lines)
        => File.AppendAllText(Path.Combine(DataDir, "postgresql.auto.conf"), string.Join('\n', lines) + "\n");

    private async Task StartServerAsync()
    {
        AppendConfig(
            $"port = {Port.ToString(CultureInfo.InvariantCulture)}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{_root}'",
            "max_connections = 30");
        await RunAsync("pg_ctl", "-D", DataDir, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start");
        await using var conn = new NpgsqlConnection(ConnectionString(pooling: false));
        await conn.OpenAsync();
    }

    private Task RunAsync(string tool, params string[] args) => Task.Run(() => Run(Path.Combine(_bin, tool), args));

    private static void Run(string exe, params string[] args)
    {
        bool asPostgres = Environment.UserName == "root" && !exe.EndsWith("chown", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(asPostgres ? "runuser" : exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (asPostgres)
        {
            foreach (string a in new[] { "-u", "postgres", "--", exe })
            {
                psi.ArgumentList.Add(a);
            }
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill();
            throw new InvalidOperationException($"{exe} did not finish within 120 s");
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException(new StringBuilder().Append(exe).Append(' ').AppendJoin(' ', args)
                .Append(" exited with ").Append(p.ExitCode.ToString(CultureInfo.InvariantCulture)).Append(": ").Append(stderr).Append(stdout.Result).ToString());
        }
    }
}
