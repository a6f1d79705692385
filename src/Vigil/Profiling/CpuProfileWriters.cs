using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Vigil.Profiling;

/// <summary>Writes a <see cref="CpuProfile"/> as a text report, collapsed stacks or speedscope JSON.</summary>
internal static class CpuProfileWriters
{
    /// <summary>
    /// Folded stacks as <c>flamegraph.pl</c>, <c>inferno</c> and speedscope read them: one line per distinct stack,
    /// frames root first separated by <c>;</c>, then a space and the sample count. <c>;</c> in names becomes <c>:</c>.
    /// </summary>
    public static void WriteCollapsed(CpuProfile profile, TextWriter output)
    {
        var lines = new List<string>();
        foreach (var (stack, samples) in profile.Stacks)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < stack.Length; i++)
            {
                if (i > 0)
                {
                    sb.Append(';');
                }
                sb.Append(profile.Frames[stack[i]].Replace(';', ':').Replace('\n', ' '));
            }
            sb.Append(' ').Append(samples.ToString(CultureInfo.InvariantCulture));
            lines.Add(sb.ToString());
        }
        lines.Sort(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            output.Write(line);
            output.Write('\n');
        }
    }

    /// <summary>A speedscope file (https://www.speedscope.app/file-format-schema.json): one sampled profile, weights in milliseconds.</summary>
    public static void WriteSpeedscope(CpuProfile profile, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteString("$schema", "https://www.speedscope.app/file-format-schema.json");
        w.WriteString("exporter", "vigil profile");
        w.WriteString("name", $"{profile.ProcessName} ({profile.ProcessId.ToString(CultureInfo.InvariantCulture)})");
        w.WriteNumber("activeProfileIndex", 0);
        w.WriteStartObject("shared");
        w.WriteStartArray("frames");
        foreach (string frame in profile.Frames)
        {
            w.WriteStartObject();
            w.WriteString("name", frame);
            int bang = frame.IndexOf('!', StringComparison.Ordinal);
            if (bang > 0)
            {
                w.WriteString("file", frame[..bang]);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("profiles");
        w.WriteStartObject();
        w.WriteString("type", "sampled");
        w.WriteString("name", $"CPU samples of {profile.ProcessName}");
        w.WriteString("unit", "milliseconds");
        w.WriteNumber("startValue", 0);
        double total = 0;
        var stacks = profile.Stacks.OrderBy(s => string.Join(',', s.RootFirst), StringComparer.Ordinal).ToList();
        w.WriteStartArray("samples");
        foreach (var (stack, _) in stacks)
        {
            w.WriteStartArray();
            foreach (int f in stack)
            {
                w.WriteNumberValue(f);
            }
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteStartArray("weights");
        foreach (var (_, samples) in stacks)
        {
            double weight = samples * profile.SampleIntervalMs;
            total += weight;
            w.WriteNumberValue(weight);
        }
        w.WriteEndArray();
        w.WriteNumber("endValue", total);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// A human-readable report: how the sampled threads split into on CPU and waiting, the application's own methods
    /// hottest on CPU first, the top functions on CPU by exclusive and inclusive samples, where the waiting threads wait,
    /// and the CPU bottlenecks (on-CPU functions at or above <paramref name="threshold"/> of the on-CPU samples; a wait
    /// is never one).
    /// </summary>
    public static void WriteText(CpuProfile profile, TextWriter output, int top, double threshold)
    {
        var inv = CultureInfo.InvariantCulture;
        int all = profile.TotalSamples + profile.WaitSamples + profile.ExternalSamples;
        double Share(int n) => all == 0 ? 0 : 100.0 * n / all;
        output.WriteLine(string.Create(inv, $"Process {profile.ProcessId} ({profile.ProcessName}), sampled for {profile.Duration.TotalSeconds:0.0} s: {all} thread samples: {profile.TotalSamples} on CPU in managed code ({Share(profile.TotalSamples):0.0}%), {profile.WaitSamples} waiting ({Share(profile.WaitSamples):0.0}%), {profile.ExternalSamples} in native code or blocked outside managed code ({Share(profile.ExternalSamples):0.0}%, left out)."));
        foreach (string warning in profile.Warnings)
        {
            output.WriteLine("warning: " + warning);
        }
        if (profile.TotalSamples == 0)
        {
            output.WriteLine("No on-CPU samples in managed code: the process was idle or waiting for the whole session.");
        }
        else
        {
            output.WriteLine();
            var own = profile.TopOwnCode(top);
            output.WriteLine("Hottest on-CPU methods of the application's own code (the method's work and the framework code it called; share of on-CPU samples):");
            if (own.Count == 0)
            {
                output.WriteLine("  none: every on-CPU sample was in framework or runtime code (see the tables below).");
            }
            foreach (var (function, samples, share) in own)
            {
                output.WriteLine(string.Create(inv, $"  {samples,9} {share * 100,6:0.0}%  {function}"));
            }
            output.WriteLine();
            output.WriteLine("Top functions by exclusive samples on CPU (time on top of the stack; share of on-CPU samples):");
            WriteTable(output, profile.TopExclusive(top), exclusiveFirst: true);
            output.WriteLine();
            output.WriteLine("Top functions by inclusive samples on CPU (time on the stack, callees included):");
            WriteTable(output, profile.TopInclusive(top), exclusiveFirst: false);
        }
        var waits = profile.TopWaits();
        if (waits.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Waiting threads (not CPU time; share of all thread samples):");
            output.WriteLine("    Samples   Share  Kind                                Wait frame [application code waiting]");
            foreach (var (kind, samples, frame, waiter) in waits)
            {
                output.WriteLine(string.Create(inv, $"  {samples,9} {Share(samples),6:0.0}%  {kind,-34}  {frame}{(waiter is null ? "" : " [" + waiter + "]")}"));
            }
        }
        if (profile.TotalSamples == 0)
        {
            return;
        }
        output.WriteLine();
        var bottlenecks = profile.Bottlenecks(threshold);
        output.WriteLine(string.Create(inv, $"CPU bottlenecks (exclusive share of on-CPU samples at least {threshold * 100:0.#}%; waits are never bottlenecks):"));
        if (bottlenecks.Count == 0)
        {
            output.WriteLine("  none: no single function dominates; look at the inclusive list for the expensive call paths.");
        }
        foreach (var b in bottlenecks)
        {
            output.WriteLine(string.Create(inv, $"  cpu_bottleneck  {b.ExclusiveShare * 100,5:0.0}%  {b.Function}"));
        }
    }

    private static void WriteTable(TextWriter output, List<FunctionSamples> rows, bool exclusiveFirst)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(exclusiveFirst ? "  Exclusive   Share  Inclusive   Share  Function" : "  Inclusive   Share  Exclusive   Share  Function");
        foreach (var r in rows)
        {
            var (a, aShare, b, bShare) = exclusiveFirst
                ? (r.Exclusive, r.ExclusiveShare, r.Inclusive, r.InclusiveShare)
                : (r.Inclusive, r.InclusiveShare, r.Exclusive, r.ExclusiveShare);
            output.WriteLine(string.Create(inv, $"  {a,9} {aShare * 100,6:0.0}%  {b,9} {bShare * 100,6:0.0}%  {r.Function}"));
        }
    }
}
