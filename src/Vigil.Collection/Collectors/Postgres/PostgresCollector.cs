using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors.Postgres;

/// <summary>
/// PostgreSQL statistics with postgres_exporter's names: <c>pg_up</c>, <c>pg_stat_database_*</c> (transactions,
/// commits/rollbacks, blocks read/hit, tuples, temp files/bytes, deadlocks, conflicts), a Vigil
/// <c>pg_stat_database_cache_hit_ratio</c>, <c>pg_stat_activity_count{datname,state}</c> and
/// <c>pg_stat_activity_max_tx_duration</c>, a Vigil <c>pg_stat_activity_max_query_duration_seconds</c> (longest running
/// query), <c>pg_database_size_bytes</c>, <c>pg_replication_is_replica</c>/<c>pg_replication_lag_seconds</c> and, on a
/// primary with standbys, <c>pg_stat_replication_pg_wal_lsn_diff</c>/<c>pg_stat_replication_replay_lag_seconds</c>,
/// <c>pg_stat_user_tables_*</c>, and <c>pg_stat_statements_*</c> per statement when enabled.
/// </summary>
/// <remarks>
/// Every series carries <c>server</c> (<c>host:port</c>). Servers are read in the background, each on its own
/// interval with its own timeout, starting at the first collection; a collection writes the latest reading. A server
/// that cannot be read reports <c>pg_up 0</c> and is logged at most once a minute. Thread-safe; dispose to stop.
/// </remarks>
internal sealed class PostgresCollector : ICollector, IDisposable
{
    private readonly TargetPoller _poller;
    private readonly List<PostgresTarget> _targets;
    private readonly bool _background;

    /// <summary>Creates the collector; throws <see cref="ArgumentException"/> naming the entry (<c>collectors.postgres[i]</c>) when one is invalid.</summary>
    /// <param name="options">The configured servers.</param>
    /// <param name="logger">Where failures are logged (once a minute per server).</param>
    /// <param name="background">False leaves reading to <see cref="RefreshAllAsync"/> (tests).</param>
    public PostgresCollector(IReadOnlyList<PostgresCollectorOptions> options, ILogger logger, bool background = true)
    {
        var errors = new TargetErrorLog(logger, "postgres");
        _targets = new List<PostgresTarget>(options.Count);
        for (int i = 0; i < options.Count; i++)
        {
            string? problem = options[i].Validate();
            if (problem is not null)
            {
                foreach (var t in _targets)
                {
                    t.Dispose();
                }
                throw new ArgumentException($"collectors.postgres[{i.ToString(CultureInfo.InvariantCulture)}]: {problem}", nameof(options));
            }
            _targets.Add(new PostgresTarget(options[i], errors));
        }
        _poller = new TargetPoller(_targets, logger);
        _background = background;
    }

    /// <inheritdoc />
    public string Name => "postgres";

    /// <summary>The servers, in configuration order.</summary>
    internal IReadOnlyList<PostgresTarget> Targets => _targets;

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        if (_background)
        {
            _poller.EnsureStarted();
        }
        _poller.Write(new SampleWriter(appender, timestampMs));
    }

    /// <summary>Reads every server once now.</summary>
    internal Task RefreshAllAsync(CancellationToken cancellationToken = default) => _poller.RefreshAllAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _poller.Dispose();
        foreach (var t in _targets)
        {
            t.Dispose();
        }
    }
}
