using System.CommandLine;
using System.Globalization;
using Vigil.Core.Model;
using Vigil.Profiling;

namespace Vigil.Cli;

/// <summary>
/// <c>vigil profile</c>: samples the CPU of a running .NET process through EventPipe and prints its hot functions
/// (text), or writes collapsed stacks for flame graphs or a speedscope file.
/// </summary>
internal static class ProfileCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var pid = new Option<int>("--pid", "-p")
        {
            Description = "Id of the .NET process to sample.",
            HelpName = "PID",
            Required = true,
        };
        pid.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0)
                {
                    r.AddError($"--pid: \"{token.Value}\" is not a process id (a positive integer)");
                }
            }
        });
        var duration = new Option<string>("--duration", "-d")
        {
            Description = "How long to sample, e.g. 30s, 2m.",
            HelpName = "DURATION",
            DefaultValueFactory = _ => "30s",
        };
        duration.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!PrometheusDuration.TryParse(token.Value, out var d, out string error))
                {
                    r.AddError("--duration: " + error);
                }
                else if (d <= TimeSpan.Zero)
                {
                    r.AddError("--duration: must be greater than 0");
                }
            }
        });
        var format = new Option<string>("--format", "-f")
        {
            Description = "text: top functions and bottlenecks; collapsed: folded stacks for flamegraph.pl/inferno; speedscope: a file for speedscope.app.",
            HelpName = "FORMAT",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "collapsed", "speedscope");
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write to this file instead of standard output.",
            HelpName = "FILE",
        };
        var top = new Option<int>("--top")
        {
            Description = "Functions listed per table in the text report.",
            HelpName = "N",
            DefaultValueFactory = _ => 20,
        };
        top.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("--top: must be at least 1");
            }
        });
        var threshold = new Option<string>("--threshold")
        {
            Description = "Exclusive share of samples from which a function is reported as a bottleneck, e.g. 5% or 0.05.",
            HelpName = "SHARE",
            DefaultValueFactory = _ => "5%",
        };
        threshold.Validators.Add(r =>
        {
            foreach (var token in r.Tokens)
            {
                if (!TryParseShare(token.Value, out _))
                {
                    r.AddError($"--threshold: \"{token.Value}\" is not a share between 0 and 1 (or 0% and 100%)");
                }
            }
        });

        var upload = new Option<bool>("--upload")
        {
            Description = "Send the profile to the server (POST /api/v1/profiles) for the dashboard's Profiles page instead of printing it; with --output the file is written too.",
        };
        var server = CommonOptions.RunningServer("The Vigil server --upload sends the profile to.");

        var command = new Command("profile", "Sample the CPU of a running .NET process via EventPipe; print its hot functions or write flame-graph data.")
        {
            pid, duration, format, output, top, threshold, upload, server,
        };
        var auth = new ServerAuthOptions().AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            int processId = result.GetValue(pid);
            var length = PrometheusDuration.Parse(result.GetValue(duration)!);
            string kind = result.GetValue(format)!;
            TryParseShare(result.GetValue(threshold)!, out double share);
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"vigil: sampling process {processId} for {length.TotalSeconds:0.#} s...")).ConfigureAwait(false);
            CpuProfile profile;
            try
            {
                profile = await EventPipeCpuSampler.SampleAsync(processId, length, ct).ConfigureAwait(false);
            }
            catch (ProfilerException e)
            {
                throw new CliException(e.Message);
            }
            string? file = result.GetValue(output);
            if (result.GetValue(upload))
            {
                await UploadAsync(profile, auth.Target(result, result.GetValue(server)!), stdout, ct).ConfigureAwait(false);
                if (file is null)
                {
                    return 0;
                }
            }
            if (kind == "speedscope")
            {
                if (file is null)
                {
                    await stdout.FlushAsync(ct).ConfigureAwait(false);
                    using var buffer = new MemoryStream();
                    CpuProfileWriters.WriteSpeedscope(profile, buffer);
                    await stdout.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()).AsMemory(), ct).ConfigureAwait(false);
                    await stdout.WriteLineAsync().ConfigureAwait(false);
                }
                else
                {
                    var stream = File.Create(file);
                    await using (stream.ConfigureAwait(false))
                    {
                        CpuProfileWriters.WriteSpeedscope(profile, stream);
                    }
                }
            }
            else
            {
                var writer = file is null ? stdout : new StreamWriter(file, append: false, new System.Text.UTF8Encoding(false));
                try
                {
                    if (kind == "collapsed")
                    {
                        CpuProfileWriters.WriteCollapsed(profile, writer);
                    }
                    else
                    {
                        CpuProfileWriters.WriteText(profile, writer, result.GetValue(top), share);
                    }
                }
                finally
                {
                    if (file is not null)
                    {
                        await writer.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
            foreach (string warning in profile.Warnings)
            {
                if (kind != "text")
                {
                    await stderr.WriteLineAsync("vigil: warning: " + warning).ConfigureAwait(false);
                }
            }
            if (file is not null)
            {
                await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"vigil: wrote {profile.TotalSamples} samples to {file}")).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }

    /// <summary>Sends the collapsed stacks to <c>/api/v1/profiles</c> and prints where the dashboard shows them.</summary>
    private static async Task UploadAsync(CpuProfile profile, ServerTarget server, TextWriter stdout, CancellationToken ct)
    {
        using var collapsed = new StringWriter(CultureInfo.InvariantCulture);
        CpuProfileWriters.WriteCollapsed(profile, collapsed);
        if (profile.TotalSamples == 0)
        {
            throw new CliException($"process {profile.ProcessId} ran no managed code while sampled: nothing to upload (sample longer, or while it is busy)");
        }
        string query = string.Create(CultureInfo.InvariantCulture,
            $"api/v1/profiles?process={Uri.EscapeDataString(profile.ProcessName)}&pid={profile.ProcessId}&duration={profile.Duration.TotalSeconds:0.###}&host={Uri.EscapeDataString(Environment.MachineName)}");
        using var remote = new RemoteServer(server);
        using var response = await remote.PostAsync(query, new StringContent(collapsed.ToString(), System.Text.Encoding.UTF8, "text/plain"), ct).ConfigureAwait(false);
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        string id = doc.RootElement.GetProperty("data").GetProperty("id").GetString()!;
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"uploaded profile {id} ({profile.TotalSamples} samples): {new Uri(server.Url, "profiles?id=" + id)}")).ConfigureAwait(false);
    }

    /// <summary>Parses <c>5%</c> or <c>0.05</c> into 0.05.</summary>
    internal static bool TryParseShare(string text, out double share)
    {
        bool percent = text.EndsWith('%');
        string number = percent ? text[..^1] : text;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out share))
        {
            return false;
        }
        if (percent)
        {
            share /= 100;
        }
        return share is >= 0 and <= 1;
    }
}
