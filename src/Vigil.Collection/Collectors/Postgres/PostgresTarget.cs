using System.Data.Common;
using System.Globalization;
using Npgsql;
using Vigil.Core.Model;

namespace Vigil.Collection.Collectors.Postgres;

/// <summary>
/// Reads one PostgreSQL server's statistics views on its own interval and keeps the latest reading, named as
/// postgres_exporter names them, every series labelled <c>server</c> (<c>host:port</c>).
/// </summary>
/// <remarks>
/// A reading either succeeds whole (<c>pg_up 1</c> and all series) or reports <c>pg_up 0</c> alone, so a broken
/// connection never leaves half-stale numbers. An optional part that is unavailable (<c>pg_stat_statements</c> not
/// installed or not preloaded) is skipped and logged, and the rest is still reported. Refreshes are serialized by
/// the poller; <see cref="Write"/> takes the published snapshot and may run during a refresh.
/// </remarks>
internal sealed class PostgresTarget : IPolledTarget, IDisposable
{
    private static readonly string[] ActivityStates = ["active", "idle", "idle in transaction", "idle in transaction (aborted)", "fastpath function call", "disabled"];

    private static readonly string[] DatabaseCounters =
    [
        "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated",
        "tup_deleted", "conflicts", "temp_files", "temp_bytes", "deadlocks", "blk_read_time", "blk_write_time",
    ];

    private static readonly string[] TableColumns =
    [
        "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del", "n_tup_hot_upd",
        "n_live_tup", "n_dead_tup", "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count",
    ];

    private readonly PostgresCollectorOptions _options;
    private readonly TargetErrorLog _errors;
    private readonly NpgsqlDataSource _dataSource;
    private readonly object _lock = new();
    private List<Sample>? _snapshot;

    public PostgresTarget(PostgresCollectorOptions options, TargetErrorLog errors)
    {
        _options = options;
        _errors = errors;
        var builder = BuildConnectionString(options.ConnectionString!, options.Timeout);
        Server = (builder.Host ?? "localhost") + ":" + builder.Port.ToString(CultureInfo.InvariantCulture);
        Database = builder.Database ?? builder.Username ?? string.Empty;
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>The <c>server</c> label: <c>host:port</c> of the connection.</summary>
    public string Server { get; }

    /// <summary>The connected database (per-table and statement statistics come from it).</summary>
    public string Database { get; }

    /// <inheritdoc />
    public string Name => "postgres " + Server + "/" + Database;

    /// <inheritdoc />
    public TimeSpan Interval => _options.Interval;

    /// <inheritdoc />
    public TimeSpan Timeout => _options.Timeout;

    /// <summary>The error of the latest reading, or null when it succeeded (tests read it).</summary>
    public string? LastError { get; private set; }

    /// <summary>Npgsql settings from a keyword connection string or a <c>postgresql://</c> URL; throws <see cref="ArgumentException"/> on a bad one.</summary>
    internal static NpgsqlConnectionStringBuilder BuildConnectionString(string text, TimeSpan timeout)
    {
        NpgsqlConnectionStringBuilder builder;
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            builder = FromUrl(text);
        }
        else
        {
            builder = new NpgsqlConnectionStringBuilder(text);
        }
        int seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        builder.Timeout = seconds;
        builder.CommandTimeout = seconds;
        builder.ApplicationName ??= "vigil";
        // Note: one reading uses one connection at a time; a small pool keeps it open between readings.
        builder.MaxPoolSize = 2;
        return builder;
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var samples = new List<Sample>();
        try
        {
            await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            int version = int.Parse((string)(await ScalarAsync(conn, "SHOW server_version_num", cancellationToken).ConfigureAwait(false))!, CultureInfo.InvariantCulture);
            await ReadDatabasesAsync(conn, samples, cancellationToken).ConfigureAwait(false);
            await ReadActivityAsync(conn, samples, cancellationToken).ConfigureAwait(false);
            await ReadSizesAsync(conn, samples, cancellationToken).ConfigureAwait(false);
            await ReadReplicationAsync(conn, samples, cancellationToken).ConfigureAwait(false);
            if (_options.Tables)
            {
                await ReadTablesAsync(conn, samples, cancellationToken).ConfigureAwait(false);
            }
            if (_options.Statements)
            {
                await ReadStatementsAsync(conn, version, samples, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NpgsqlException or DbException or IOException or TimeoutException or InvalidOperationException or FormatException
                                     || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            string error = e is OperationCanceledException ? $"timed out after {PrometheusDuration.Format(Timeout)}" : e.Message;
            LastError = error;
            Publish([new Sample("pg_up", 0, [])]);
            _errors.Failed(Name, error);
            return;
        }
        samples.Add(new Sample("pg_up", 1, []));
        LastError = null;
        Publish(samples);
        _errors.Succeeded(Name);
    }

    /// <inheritdoc />
    public void Write(SampleWriter writer)
    {
        List<Sample>? snapshot;
        lock (_lock)
        {
            snapshot = _snapshot;
        }
        if (snapshot is null)
        {
            return;
        }
        foreach (var s in snapshot)
        {
            var pairs = new string[s.Labels.Length + 2];
            s.Labels.CopyTo(pairs, 0);
            pairs[^2] = "server";
            pairs[^1] = Server;
            writer.Add(s.Name, s.Value, pairs);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _dataSource.Dispose();

    private void Publish(List<Sample> samples)
    {
        lock (_lock)
        {
            _snapshot = samples;
        }
    }

    private static async Task ReadDatabasesAsync(NpgsqlConnection conn, List<Sample> into, CancellationToken ct)
    {
        const string Sql =
            "SELECT datid::text, datname, numbackends, xact_commit, xact_rollback, blks_read, blks_hit, tup_returned, tup_fetched, " +
            "tup_inserted, tup_updated, tup_deleted, conflicts, temp_files, temp_bytes, deadlocks, blk_read_time, blk_write_time, " +
            "EXTRACT(EPOCH FROM stats_reset)::float8 FROM pg_stat_database WHERE datname IS NOT NULL";
        await foreach (var row in QueryAsync(conn, Sql, ct).ConfigureAwait(false))
        {
            string[] labels = ["datid", (string)row[0]!, "datname", (string)row[1]!];
            AddIfNumber(into, "pg_stat_database_numbackends", row[2], labels);
            for (int i = 0; i < DatabaseCounters.Length; i++)
            {
                AddIfNumber(into, "pg_stat_database_" + DatabaseCounters[i], row[3 + i], labels);
            }
            AddIfNumber(into, "pg_stat_database_stats_reset", row[18], labels);
            double read = ToDouble(row[5]) ?? 0;
            double hit = ToDouble(row[6]) ?? 0;
            if (read + hit > 0)
            {
                into.Add(new Sample("pg_stat_database_cache_hit_ratio", hit / (read + hit), labels));
            }
        }
    }

    private static async Task ReadActivityAsync(NpgsqlConnection conn, List<Sample> into, CancellationToken ct)
    {
        const string Sql =
            "SELECT d.datname, s.state, COALESCE(a.count, 0), COALESCE(a.max_tx_duration, 0), COALESCE(a.max_query_duration, 0) " +
            "FROM pg_database d CROSS JOIN unnest(@states::text[]) AS s(state) " +
            "LEFT JOIN (SELECT datname, state, count(*) AS count, " +
            "  MAX(EXTRACT(EPOCH FROM now() - xact_start))::float8 AS max_tx_duration, " +
            "  MAX(EXTRACT(EPOCH FROM now() - query_start))::float8 AS max_query_duration " +
            "  FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname IS NOT NULL GROUP BY datname, state) a " +
            "ON a.datname = d.datname AND a.state = s.state";
        var longest = new Dictionary<string, double>(StringComparer.Ordinal);
        await foreach (var row in QueryAsync(conn, Sql, ct, ("states", ActivityStates)).ConfigureAwait(false))
        {
            string datname = (string)row[0]!;
            string state = (string)row[1]!;
            string[] labels = ["datname", datname, "state", state];
            into.Add(new Sample("pg_stat_activity_count", ToDouble(row[2]) ?? 0, labels));
            into.Add(new Sample("pg_stat_activity_max_tx_duration", ToDouble(row[3]) ?? 0, labels));
            double query = state == "active" ? ToDouble(row[4]) ?? 0 : 0;
            longest[datname] = Math.Max(longest.GetValueOrDefault(datname), query);
        }
        foreach (var (datname, seconds) in longest)
        {
            into.Add(new Sample("pg_stat_activity_max_query_duration_seconds", seconds, ["datname", datname]));
        }
    }

    private static async Task ReadSizesAsync(NpgsqlConnection conn, List<Sample> into, CancellationToken ct)
    {
        const string Sql =
            "SELECT datname, CASE WHEN datallowconn AND has_database_privilege(datname, 'CONNECT') THEN pg_database_size(datname) END, datconnlimit " +
            "FROM pg_database";
        await foreach (var row in QueryAsync(conn, Sql, ct).ConfigureAwait(false))
        {
            string[] labels = ["datname", (string)row[0]!];
            AddIfNumber(into, "pg_database_size_bytes", row[1], labels);
            AddIfNumber(into, "pg_database_connection_limit", row[2], labels);
        }
    }

    private static async Task ReadReplicationAsync(NpgsqlConnection conn, List<Sample> into, CancellationToken ct)
    {
        const string Sql =
            "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() " +
            "THEN COALESCE(GREATEST(0, EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())), 0) ELSE 0 END::float8";
        bool replica = false;
        await foreach (var row in QueryAsync(conn, Sql, ct).ConfigureAwait(false))
        {
            replica = (bool)row[0]!;
            into.Add(new Sample("pg_replication_is_replica", replica ? 1 : 0, []));
            into.Add(new Sample("pg_replication_lag_seconds", ToDouble(row[1]) ?? 0, []));
        }
        if (replica)
        {
            return;
        }
        const string Senders =
            "SELECT COALESCE(application_name, ''), COALESCE(host(client_addr), ''), COALESCE(state, ''), " +
            "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8, EXTRACT(EPOCH FROM replay_lag)::float8 FROM pg_stat_replication";
        await foreach (var row in QueryAsync(conn, Senders, ct).ConfigureAwait(false))
        {
            string[] labels = ["application_name", (string)row[0]!, "client_addr", (string)row[1]!, "state", (string)row[2]!];
            AddIfNumber(into, "pg_stat_replication_pg_wal_lsn_diff", row[3], labels);
            into.Add(new Sample("pg_stat_replication_replay_lag_seconds", ToDouble(row[4]) ?? 0, labels));
        }
    }

    private static async Task ReadTablesAsync(NpgsqlConnection conn, List<Sample> into, CancellationToken ct)
    {
        string sql = "SELECT current_database(), schemaname, relname, " + string.Join(", ", TableColumns) + " FROM pg_stat_user_tables";
        await foreach (var row in QueryAsync(conn, sql, ct).ConfigureAwait(false))
        {
            string[] labels = ["datname", (string)row[0]!, "relname", (string)row[2]!, "schemaname", (string)row[1]!];
            for (int i = 0; i < TableColumns.Length; i++)
            {
                AddIfNumber(into, "pg_stat_user_tables_" + TableColumns[i], row[3 + i], labels);
            }
        }
    }

    private async Task ReadStatementsAsync(NpgsqlConnection conn, int version, List<Sample> into, CancellationToken ct)
    {
        var installed = await ScalarAsync(conn, "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'", ct).ConfigureAwait(false);
        if (installed is null)
        {
            _errors.Failed(Name + " statements", $"statements: true, but the pg_stat_statements extension is not installed in database {Database} (CREATE EXTENSION pg_stat_statements)");
            return;
        }
        string time = version >= 130000 ? "total_exec_time" : "total_time";
        string blockRead = version >= 170000 ? "shared_blk_read_time" : "blk_read_time";
        string blockWrite = version >= 170000 ? "shared_blk_write_time" : "blk_write_time";
        string sql =
            $"SELECT COALESCE(pg_get_userbyid(s.userid)::text, ''), COALESCE(d.datname, ''), s.queryid::text, s.calls, s.{time} / 1000.0, s.rows, " +
            $"s.{blockRead} / 1000.0, s.{blockWrite} / 1000.0 FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid " +
            $"WHERE s.queryid IS NOT NULL ORDER BY s.{time} DESC LIMIT @limit";
        var rows = new List<object?[]>();
        try
        {
            await foreach (var row in QueryAsync(conn, sql, ct, ("limit", _options.StatementsLimit)).ConfigureAwait(false))
            {
                rows.Add(row);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState)
        {
            _errors.Failed(Name + " statements", "statements: " + e.MessageText + " (add pg_stat_statements to shared_preload_libraries)");
            return;
        }
        _errors.Succeeded(Name + " statements");
        foreach (var row in rows)
        {
            string[] labels = ["datname", (string)row[1]!, "queryid", (string)row[2]!, "user", (string)row[0]!];
            AddIfNumber(into, "pg_stat_statements_calls_total", row[3], labels);
            AddIfNumber(into, "pg_stat_statements_seconds_total", row[4], labels);
            AddIfNumber(into, "pg_stat_statements_rows_total", row[5], labels);
            AddIfNumber(into, "pg_stat_statements_block_read_seconds_total", row[6], labels);
            AddIfNumber(into, "pg_stat_statements_block_write_seconds_total", row[7], labels);
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        var v = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return v is DBNull ? null : v;
    }

    private static async IAsyncEnumerable<object?[]> QueryAsync(NpgsqlConnection conn, string sql, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            yield return row;
        }
    }

    private static void AddIfNumber(List<Sample> into, string name, object? value, string[] labels)
    {
        if (ToDouble(value) is double v)
        {
            into.Add(new Sample(name, v, labels));
        }
    }

    private static double? ToDouble(object? value) => value switch
    {
        null => null,
        double d => d,
        float f => f,
        long l => l,
        int i => i,
        short s => s,
        decimal m => (double)m,
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ArgumentException("not a valid postgresql:// URL");
        }
        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            b.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                b.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        string database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0)
        {
            b.Database = database;
        }
        foreach (string part in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string key = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            string value = eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..]);
            switch (key)
            {
                case "sslmode":
                    b.SslMode = Enum.Parse<SslMode>(value.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true);
                    break;
                case "application_name":
                    b.ApplicationName = value;
                    break;
                default:
                    throw new ArgumentException($"URL parameter \"{key}\" is not supported (use sslmode or application_name, or the Key=Value form)");
            }
        }
        return b;
    }

    /// <summary>One series of a reading, before the <c>server</c> label is added.</summary>
    private readonly record struct Sample(string Name, double Value, string[] Labels);
}
