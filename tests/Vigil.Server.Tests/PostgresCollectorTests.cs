using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Vigil.Collection.Collectors.Postgres;
using Vigil.Server.Tests.TestSupport;

namespace Vigil.Server.Tests;

/// <summary>One real PostgreSQL server (Debian's postgresql, initdb + pg_ctl on a free port) shared by the postgres collector tests.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    internal PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await PostgresServer.StartAsync();
        await using var admin = new NpgsqlConnection(Server.ConnectionString(pooling: false));
        await admin.OpenAsync();
        foreach (string db in new[] { "app", "loadtest" })
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {db}", admin);
            await create.ExecuteNonQueryAsync();
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class PostgresCollectorTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private PostgresServer Pg => fixture.Server;

    private static PostgresCollector Collector(params PostgresCollectorOptions[] options) => new(options, NullLogger.Instance, background: false);

    private static async Task<CapturingAppender> ReadAsync(PostgresCollector c)
    {
        await c.RefreshAllAsync();
        var app = new CapturingAppender();
        c.Collect(app, 1_000);
        return app;
    }

    /// <summary>Reads until <paramref name="condition"/> holds (statistics reach the views asynchronously); returns the last reading.</summary>
    private static async Task<CapturingAppender> ReadUntilAsync(PostgresCollector c, Func<CapturingAppender, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var app = await ReadAsync(c);
            if (condition(app))
            {
                return app;
            }
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {Wait.TotalSeconds} s: {what} (last error: {c.Targets[0].LastError})");
            await Task.Delay(200);
        }
    }

    private static double? Find(CapturingAppender app, string metric, params string[] labels)
    {
        var found = app.Find(metric, labels);
        return found.Count == 1 ? found[0].V : null;
    }

    private async Task ExecAsync(string database, params string[] sql)
    {
        await using var conn = new NpgsqlConnection(Pg.ConnectionString(database, pooling: false));
        await conn.OpenAsync();
        foreach (string s in sql)
        {
            await using var cmd = new NpgsqlCommand(s, conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(Pg.ConnectionString(database, pooling: false));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Read_AfterKnownLoad_CommitsRollbacksTuplesSizeAndCacheMatch()
    {
        await ExecAsync("app", "CREATE TABLE orders (id int PRIMARY KEY, note text)", "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g");
        using var c = Collector(new PostgresCollectorOptions { ConnectionString = Pg.ConnectionString("app") });
        string server = "127.0.0.1:" + Pg.Port.ToString(CultureInfo.InvariantCulture);
        var before = await ReadAsync(c);
        Assert.Equal(1, before.Value("pg_up", "server", server));
        double commits0 = before.Value("pg_stat_database_xact_commit", "datname", "loadtest", "server", server);
        double rollbacks0 = before.Value("pg_stat_database_xact_rollback", "datname", "loadtest");

        // 60 committed and 7 rolled-back transactions in a database nothing else touches.
        await using (var load = new NpgsqlConnection(Pg.ConnectionString("loadtest", pooling: false)))
        {
            await load.OpenAsync();
            for (int i = 0; i < 60; i++)
            {
                await using var cmd = new NpgsqlCommand("SELECT 1", load);
                await cmd.ExecuteScalarAsync();
            }
            for (int i = 0; i < 7; i++)
            {
                await using var tx = await load.BeginTransactionAsync();
                await using (var cmd = new NpgsqlCommand("SELECT 1", load, tx))
                {
                    await cmd.ExecuteScalarAsync();
                }
                await tx.RollbackAsync();
            }
        } // closing the backend flushes its statistics

        var after = await ReadUntilAsync(c,
            a => Find(a, "pg_stat_database_xact_commit", "datname", "loadtest") >= commits0 + 60 && Find(a, "pg_stat_database_xact_rollback", "datname", "loadtest") >= rollbacks0 + 7
                && Find(a, "pg_stat_user_tables_n_live_tup", "relname", "orders") == 1000,
            "60 commits, 7 rollbacks and 1000 live tuples");
        // Connecting itself runs a query or two (Npgsql's type loading), hence the small allowance above 60.
        Assert.InRange(after.Value("pg_stat_database_xact_commit", "datname", "loadtest") - commits0, 60, 66);
        Assert.Equal(7, after.Value("pg_stat_database_xact_rollback", "datname", "loadtest") - rollbacks0);
        string[] orders = ["datname", "app", "schemaname", "public", "relname", "orders", "server", server];
        Assert.Equal(1000, after.Value("pg_stat_user_tables_n_live_tup", orders));
        Assert.Equal(1000, after.Value("pg_stat_user_tables_n_tup_ins", orders));
        Assert.Equal(0, after.Value("pg_stat_user_tables_n_tup_del", orders));
        Assert.True(after.Value("pg_stat_database_tup_inserted", "datname", "app") >= 1000);

        long size = (long)(await ScalarAsync("app", "SELECT pg_database_size('app')"))!;
        Assert.InRange(after.Value("pg_database_size_bytes", "datname", "app", "server", server), size - (1 << 20), size + (1 << 20));
        Assert.Empty(after.Find("pg_database_size_bytes", "datname", "template0")); // connections not allowed

        double hit = after.Value("pg_stat_database_blks_hit", "datname", "app");
        double read = after.Value("pg_stat_database_blks_read", "datname", "app");
        Assert.True(hit > 0);
        Assert.Equal(hit / (hit + read), after.Value("pg_stat_database_cache_hit_ratio", "datname", "app"), 9);

        Assert.Equal(0, after.Value("pg_replication_is_replica"));
        Assert.Equal(0, after.Value("pg_replication_lag_seconds"));
        Assert.Empty(after.Find("pg_stat_replication_pg_wal_lsn_diff"));
        // Every state of every database is reported, zeros included.
        Assert.Equal(6, after.Find("pg_stat_activity_count", "datname", "loadtest").Count);
    }

    [Fact]
    public async Task Read_DeadlockAndSpillingSort_CountDeadlocksAndTempBytes()
    {
        await ExecAsync("loadtest", "CREATE TABLE IF NOT EXISTS locks (id int PRIMARY KEY, v int)", "INSERT INTO locks VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING");
        using var c = Collector(new PostgresCollectorOptions { ConnectionString = Pg.ConnectionString("postgres") });
        var before = await ReadAsync(c);
        double deadlocks0 = before.Value("pg_stat_database_deadlocks", "datname", "loadtest");
        double temp0 = before.Value("pg_stat_database_temp_bytes", "datname", "loadtest");

        await using (var a = new NpgsqlConnection(Pg.ConnectionString("loadtest", pooling: false)))
        await using (var b = new NpgsqlConnection(Pg.ConnectionString("loadtest", pooling: false)))
        {
            await a.OpenAsync();
            await b.OpenAsync();
            await using var ta = await a.BeginTransactionAsync();
            await using var tb = await b.BeginTransactionAsync();
            await new NpgsqlCommand("UPDATE locks SET v = 1 WHERE id = 1", a, ta).ExecuteNonQueryAsync();
            await new NpgsqlCommand("UPDATE locks SET v = 1 WHERE id = 2", b, tb).ExecuteNonQueryAsync();
            var first = new NpgsqlCommand("UPDATE locks SET v = 2 WHERE id = 2", a, ta).ExecuteNonQueryAsync();
            await Task.Delay(200);
            var second = new NpgsqlCommand("UPDATE locks SET v = 2 WHERE id = 1", b, tb).ExecuteNonQueryAsync();
            var results = await Task.WhenAll(Capture(first), Capture(second));
            Assert.Single(results, r => r is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected });

            await using var spill = new NpgsqlCommand("SET work_mem = '64kB'; SELECT count(*) FROM (SELECT g FROM generate_series(1, 200000) g ORDER BY g DESC) s", a);
            await using (var fresh = new NpgsqlConnection(Pg.ConnectionString("loadtest", pooling: false)))
            {
                await fresh.OpenAsync();
                spill.Connection = fresh;
                Assert.Equal(200000L, await spill.ExecuteScalarAsync());
            }
        }

        var after = await ReadUntilAsync(c,
            r => Find(r, "pg_stat_database_deadlocks", "datname", "loadtest") > deadlocks0 && Find(r, "pg_stat_database_temp_bytes", "datname", "loadtest") > temp0,
            "a deadlock and temp bytes");
        Assert.Equal(1, after.Value("pg_stat_database_deadlocks", "datname", "loadtest") - deadlocks0);
        Assert.True(after.Value("pg_stat_database_temp_bytes", "datname", "loadtest") - temp0 >= 1 << 20);
        Assert.True(after.Value("pg_stat_database_temp_files", "datname", "loadtest") >= 1);
    }

    private static async Task<Exception?> Capture(Task t)
    {
        try
        {
            await t;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Fact]
    public async Task Read_LongRunningQueryAndIdleSession_ShowInActivity()
    {
        using var c = Collector(new PostgresCollectorOptions { ConnectionString = Pg.ConnectionString("postgres") });
        await using var idle = new NpgsqlConnection(Pg.ConnectionString("app", pooling: false));
        await idle.OpenAsync();
        await using var busy = new NpgsqlConnection(Pg.ConnectionString("loadtest", pooling: false));
        await busy.OpenAsync();
        var sleeping = new NpgsqlCommand("SELECT pg_sleep(4)", busy).ExecuteScalarAsync();
        var app = await ReadUntilAsync(c, a => Find(a, "pg_stat_activity_max_query_duration_seconds", "datname", "loadtest") >= 1, "the sleeping query running for 1 s");
        Assert.True(app.Value("pg_stat_activity_count", "datname", "loadtest", "state", "active") >= 1);
        Assert.True(app.Value("pg_stat_activity_max_tx_duration", "datname", "loadtest", "state", "active") >= 1);
        Assert.True(app.Value("pg_stat_activity_count", "datname", "app", "state", "idle") >= 1);
        Assert.InRange(app.Value("pg_stat_activity_max_query_duration_seconds", "datname", "loadtest"), 1, 10);
        await sleeping;
    }

    [Fact]
    public async Task Read_StatementsEnabled_ReportsPerStatementCallsAndTime()
    {
        await ExecAsync("app", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", "CREATE TABLE IF NOT EXISTS items (id int)", "INSERT INTO items SELECT generate_series(1, 100)");
        await using (var conn = new NpgsqlConnection(Pg.ConnectionString("app", pooling: false)))
        {
            await conn.OpenAsync();
            for (int i = 0; i < 5; i++)
            {
                await using var cmd = new NpgsqlCommand("SELECT count(*) FROM items WHERE id < @n", conn);
                cmd.Parameters.AddWithValue("n", i * 10);
                await cmd.ExecuteScalarAsync();
            }
        }
        string queryId = (string)(await ScalarAsync("app", "SELECT queryid::text FROM pg_stat_statements WHERE query LIKE 'SELECT count(*) FROM items WHERE id < $1%'"))!;
        using var c = Collector(new PostgresCollectorOptions { ConnectionString = Pg.ConnectionString("app"), Statements = true });
        var app = await ReadAsync(c);
        Assert.Equal(1, app.Value("pg_up"));
        string[] l = ["datname", "app", "queryid", queryId, "user", "postgres"];
        Assert.Equal(5, app.Value("pg_stat_statements_calls_total", l));
        Assert.True(app.Value("pg_stat_statements_seconds_total", l) > 0);
        Assert.Equal(5, app.Value("pg_stat_statements_rows_total", l));

        // Enabled where the extension is not installed: everything else is still read.
        using var without = Collector(new PostgresCollectorOptions { ConnectionString = Pg.ConnectionString("loadtest"), Statements = true });
        var w = await ReadAsync(without);
        Assert.Equal(1, w.Value("pg_up"));
        Assert.Empty(w.Find("pg_stat_statements_calls_total"));
        Assert.NotEmpty(w.Find("pg_stat_database_xact_commit"));
    }

    [Fact]
    public async Task Read_Standby_ReportsReplicaAndPrimaryReportsItsStandby()
    {
        await using var standby = await PostgresServer.StartStandbyAsync(Pg);
        await ExecAsync("app", "CREATE TABLE IF NOT EXISTS replicated (id int)", "INSERT INTO replicated VALUES (1)");
        using var onStandby = Collector(new PostgresCollectorOptions { ConnectionString = standby.ConnectionString("postgres") });
        using var onPrimary = Collector(new PostgresCollectorOptions { ConnectionString = Pg.ConnectionString("postgres") });
        var s = await ReadUntilAsync(onStandby, a => Find(a, "pg_replication_is_replica") == 1 && Find(a, "pg_replication_lag_seconds") > 0, "the standby replaying");
        Assert.InRange(s.Value("pg_replication_lag_seconds"), 0, 120);
        var p = await ReadUntilAsync(onPrimary, a => a.Find("pg_stat_replication_pg_wal_lsn_diff", "state", "streaming").Count == 1, "the primary seeing its standby streaming");
        Assert.InRange(p.Value("pg_stat_replication_pg_wal_lsn_diff", "state", "streaming", "client_addr", "127.0.0.1"), 0, 64 << 20);
        Assert.Equal(0, p.Value("pg_replication_is_replica"));
    }

    [Fact]
    public async Task Read_ClosedPort_ReportsOnlyPgUpZero()
    {
        int port = Processes.FreePort();
        using var c = Collector(new PostgresCollectorOptions { ConnectionString = $"Host=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};Username=postgres", Timeout = TimeSpan.FromSeconds(2) });
        var app = await ReadAsync(c);
        var only = Assert.Single(app.Samples);
        Assert.Equal("pg_up", only.Labels.Name);
        Assert.Equal(0, only.V);
        Assert.Equal("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), only.Labels.Get("server"));
        Assert.NotNull(c.Targets[0].LastError);
    }

    [Fact]
    public void ConnectionString_Url_BecomesNpgsqlSettings()
    {
        var b = PostgresTarget.BuildConnectionString("postgresql://vigil:p%40ss@db.internal:6432/shop?sslmode=require&application_name=mon", TimeSpan.FromSeconds(3));
        Assert.Equal("db.internal", b.Host);
        Assert.Equal(6432, b.Port);
        Assert.Equal("vigil", b.Username);
        Assert.Equal("p@ss", b.Password);
        Assert.Equal("shop", b.Database);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal("mon", b.ApplicationName);
        Assert.Equal(3, b.Timeout);
        Assert.Equal(3, b.CommandTimeout);
    }

    [Theory]
    [InlineData(null, "collectors.postgres[0]: connection_string is required")]
    [InlineData("Hostt=x", "collectors.postgres[0]: connection_string: ")]
    [InlineData("Host=x;Port=abc", "collectors.postgres[0]: connection_string: ")]
    [InlineData("postgresql://db/x?foo=1", "collectors.postgres[0]: connection_string: URL parameter \"foo\" is not supported")]
    public void Constructor_InvalidEntry_NamesEntryAndKey(string? connectionString, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Collector(new PostgresCollectorOptions { ConnectionString = connectionString }));
        Assert.StartsWith(expected, ex.Message);
    }
}
