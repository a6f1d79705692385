using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;
using Vigil.Core.Model;

namespace Vigil.Cli.Top;

/// <summary>Renders a <see cref="TopSnapshot"/> as Spectre.Console tables or as one line of JSON.</summary>
internal static class TopView
{
    /// <summary>The header line and one table per section with data; <paramref name="live"/> adds how to quit.</summary>
    public static IRenderable Render(ITopSource source, TopSnapshot snapshot, TimeSpan interval, string? problem, bool live)
    {
        string refresh = live ? $" · every {PrometheusDuration.Format(interval)} · Ctrl+C quits" : string.Empty;
        var parts = new List<IRenderable>
        {
            new Markup($"[bold]vigil top[/] · {Markup.Escape(source.Name)} · {snapshot.Time.ToLocalTime():yyyy-MM-dd HH:mm:ss}{refresh}"),
        };
        if (problem is not null)
        {
            parts.Add(new Markup($"[red]{Markup.Escape(problem)}[/]"));
        }
        foreach (var section in TopSection.All)
        {
            var keys = snapshot.Sections[section.Id];
            if (keys.Count == 0)
            {
                continue;
            }
            parts.Add(section.KeysAsRows ? KeysAsRows(section, keys) : KeysAsColumns(section, keys));
        }
        if (parts.Count == (problem is null ? 1 : 2))
        {
            parts.Add(new Markup($"[yellow]{Markup.Escape(source.NoData)}[/]"));
        }
        return new Rows(parts);
    }

    private static Table KeysAsColumns(TopSection section, SortedDictionary<string, Dictionary<string, double>> keys)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(section.Title)}[/]");
        table.AddColumn(new TableColumn(string.Empty));
        foreach (string key in keys.Keys)
        {
            table.AddColumn(new TableColumn(Markup.Escape(key)).RightAligned());
        }
        foreach (var metric in section.Metrics)
        {
            if (!keys.Values.Any(v => v.ContainsKey(metric.Id)))
            {
                continue;
            }
            table.AddRow([Markup.Escape(metric.Name), .. keys.Values.Select(v => v.TryGetValue(metric.Id, out double x) ? Format(x, metric.Unit) : "–")]);
        }
        return table;
    }

    private static Table KeysAsRows(TopSection section, SortedDictionary<string, Dictionary<string, double>> keys)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(section.Title)}[/]");
        table.AddColumn(new TableColumn(string.Join('/', section.KeyLabels)));
        foreach (var metric in section.Metrics)
        {
            table.AddColumn(new TableColumn(Markup.Escape(metric.Name)).RightAligned());
        }
        foreach (var (key, values) in keys)
        {
            table.AddRow([Markup.Escape(key), .. section.Metrics.Select(m => values.TryGetValue(m.Id, out double x) ? Format(x, m.Unit) : "–")]);
        }
        return table;
    }

    /// <summary>A value for people: <c>12.5 %</c>, <c>1.2 GiB</c>, <c>3.4 MiB/s</c>, <c>15 ms</c>.</summary>
    public static string Format(double v, TopUnit unit)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return unit switch
        {
            TopUnit.Percent => v.ToString("0.0", CultureInfo.InvariantCulture) + " %",
            TopUnit.Bytes => Bytes(v),
            TopUnit.BytesPerSecond => Bytes(v) + "/s",
            TopUnit.PerSecond => Number(v) + "/s",
            TopUnit.Seconds => v >= 1 ? v.ToString("0.##", CultureInfo.InvariantCulture) + " s" : (v * 1000).ToString("0.##", CultureInfo.InvariantCulture) + " ms",
            _ => Number(v),
        };
    }

    private static string Number(double v)
        => Math.Abs(v) >= 100 || v == Math.Floor(v) ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Bytes(double v)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        int i = 0;
        while (Math.Abs(v) >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }
        return v.ToString(i == 0 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[i];
    }

    /// <summary>One JSON object: <c>{"time":…,"host":{"KEY":{"cpu_busy_percent":12.5,…}},…}</c>; NaN and infinities as strings.</summary>
    public static string Json(TopSnapshot snapshot)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("time", snapshot.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            foreach (var section in TopSection.All)
            {
                w.WriteStartObject(section.Id);
                foreach (var (key, values) in snapshot.Sections[section.Id])
                {
                    w.WriteStartObject(key);
                    foreach (var metric in section.Metrics)
                    {
                        if (values.TryGetValue(metric.Id, out double v))
                        {
                            if (double.IsFinite(v))
                            {
                                w.WriteNumber(metric.Id, v);
                            }
                            else
                            {
                                w.WriteString(metric.Id, CliValues.FormatValue(v));
                            }
                        }
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
