using Vigil.Core.Config;

namespace Vigil.Collection.Collectors.Postgres;

/// <summary>One PostgreSQL server the <c>postgres</c> collector reads statistics from, through one database connection.</summary>
/// <remarks>
/// One entry of <c>collectors.postgres</c> in <c>vigil.yaml</c>:
/// <code>
/// collectors:
///   postgres:
///     - connection_string: "Host=db.internal;Port=5432;Username=vigil;Password=secret;Database=shop"
///       statements: true        # per-statement time from pg_stat_statements when the extension is installed
///       interval: 15s
///     - connection_string: postgresql://vigil:secret@replica.internal:5432/postgres
/// </code>
/// The connection string is Npgsql's <c>Key=Value;...</c> form or a <c>postgresql://</c> URL. Server-wide views
/// (databases, connections, replication, sizes) cover every database; per-table statistics and
/// <c>pg_stat_statements</c> are read in the connected database. The role needs <c>pg_monitor</c> (or superuser)
/// to see other sessions' queries. Durations are Prometheus durations.
/// </remarks>
public sealed class PostgresCollectorOptions
{
    /// <summary><c>connection_string</c>: how to connect (Npgsql keywords or a <c>postgresql://</c> URL).</summary>
    [Secret("connection_string")]
    public string? ConnectionString { get; set; }

    /// <summary><c>statements</c>: read per-statement calls and time from <c>pg_stat_statements</c>; off by default (one series per statement).</summary>
    public bool Statements { get; set; }

    /// <summary><c>statements_limit</c>: how many statements, by total time, <c>statements</c> reports; 100 by default.</summary>
    public int StatementsLimit { get; set; } = 100;

    /// <summary><c>tables</c>: read per-table statistics (<c>pg_stat_user_tables</c>) of the connected database; on by default.</summary>
    public bool Tables { get; set; } = true;

    /// <summary><c>interval</c>: how often to read the statistics; 15 s by default.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>timeout</c>: how long connecting plus all queries of one reading may take; 5 s by default, at most the interval.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The first problem with these options, naming the key, or null when they are valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            return "connection_string is required";
        }
        try
        {
            _ = PostgresTarget.BuildConnectionString(ConnectionString, Timeout);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return "connection_string: " + e.Message;
        }
        if (StatementsLimit < 1)
        {
            return "statements_limit: must be at least 1";
        }
        if (Interval <= TimeSpan.Zero)
        {
            return "interval: must be positive";
        }
        if (Timeout <= TimeSpan.Zero || Timeout > Interval)
        {
            return "timeout: must be positive and at most the interval";
        }
        return null;
    }
}
