using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Vigil.Cli;

/// <summary>The CLI's logging: one line per event on standard error, UTC timestamps, no per-request noise.</summary>
internal static class CliLogging
{
    /// <summary>The accepted <c>--log-level</c> values.</summary>
    public static readonly string[] Levels = ["debug", "info", "warn", "error"];

    public static LogLevel Parse(string level) => level switch
    {
        "debug" => LogLevel.Debug,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    /// <summary>Creates a factory; dispose it before exiting so queued lines are written.</summary>
    public static ILoggerFactory Create(LogLevel minimum) => LoggerFactory.Create(b => b
        .SetMinimumLevel(minimum)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        })
        .Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
