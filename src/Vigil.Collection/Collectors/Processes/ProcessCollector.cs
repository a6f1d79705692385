using System.Globalization;
using Microsoft.Extensions.Logging;
using Vigil.Core.Storage;

namespace Vigil.Collection.Collectors.Processes;

/// <summary>
/// Per-group process statistics from <c>/proc</c> with process-exporter's names (<c>namedprocess_namegroup_*</c>,
/// label <c>groupname</c>): process count, CPU seconds by mode, resident/virtual/swapped memory, storage read/write
/// bytes, page faults, context switches, threads, open file descriptors and the worst fd-to-limit ratio, process
/// states and the oldest start time — for processes chosen by name or pid.
/// </summary>
/// <remarks>
/// Counters of a group never go backwards while processes come and go: each collection adds what every member used
/// since the previous one (a newly seen process adds everything it used since it started). A group that has no
/// process left keeps reporting, with <c>namedprocess_namegroup_num_procs 0</c>, which is what alerts on "not running"
/// use. Files a process does not let Vigil read (<c>io</c>, <c>fd</c> of another user's process without privileges)
/// count in <c>namedprocess_scrape_partial_errors</c>; the rest of that process is still reported. Not thread-safe;
/// the collection loop calls it from one thread at a time.
/// </remarks>
internal sealed class ProcessCollector : ICollector
{
    private static readonly string[] StateNames = ["Running", "Sleeping", "Waiting", "Zombie", "Other"];

    private readonly ProcessCollectorOptions[] _options;
    private readonly Procfs _procfs;
    private readonly TargetErrorLog _errors;
    private readonly double _pageSize = Environment.SystemPageSize;
    private readonly Dictionary<string, GroupState> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Identity> _identities = new();
    private readonly Dictionary<(int Pid, double Start), Tracked> _tracked = new();
    private double? _bootTime;
    private long _pass;
    private double _permissionErrors;
    private double _partialErrors;

    /// <summary>Creates the collector; throws <see cref="ArgumentException"/> naming the entry (<c>collectors.process[i]</c>) when one is invalid.</summary>
    public ProcessCollector(IReadOnlyList<ProcessCollectorOptions> options, ILogger logger, string procPath = "/proc")
    {
        for (int i = 0; i < options.Count; i++)
        {
            string? problem = options[i].Validate();
            if (problem is not null)
            {
                throw new ArgumentException($"collectors.process[{i.ToString(CultureInfo.InvariantCulture)}]: {problem}", nameof(options));
            }
        }
        _options = [.. options];
        _procfs = new Procfs(procPath);
        _errors = new TargetErrorLog(logger, "process");
        // Note: named groups exist from the start, so a process that is not running shows up as num_procs 0.
        foreach (var o in _options)
        {
            if (o.Group is not null)
            {
                GetGroup(o.Group);
            }
            else
            {
                foreach (string name in o.Names)
                {
                    GetGroup(name);
                }
            }
        }
    }

    /// <summary>True on platforms with a procfs to read (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <inheritdoc />
    public string Name => "process";

    /// <inheritdoc />
    public void Collect(IAppender appender, long timestampMs)
    {
        _pass++;
        _bootTime ??= _procfs.BootTimeSeconds();
        foreach (var g in _groups.Values)
        {
            g.ResetGauges();
        }
        var foundPids = new HashSet<int>();
        foreach (int pid in ProcessNames.Pids(_procfs.Root))
        {
            if (!TryReadStat(pid, out var stat))
            {
                continue; // exited while we looked
            }
            var identity = IdentityOf(pid, stat);
            string? group = GroupOf(pid, identity);
            if (group is null)
            {
                continue;
            }
            foundPids.Add(pid);
            Account(pid, stat, GetGroup(group));
        }
        foreach (var o in _options)
        {
            foreach (int pid in o.Pids)
            {
                string target = "pid " + pid.ToString(CultureInfo.InvariantCulture);
                if (foundPids.Contains(pid))
                {
                    _errors.Succeeded(target);
                }
                else
                {
                    _errors.Failed(target, "no such process");
                }
            }
        }
        Prune();
        Write(new SampleWriter(appender, timestampMs));
    }

    private GroupState GetGroup(string name)
    {
        if (!_groups.TryGetValue(name, out var g))
        {
            g = new GroupState(name);
            _groups.Add(name, g);
        }
        return g;
    }

    private Identity IdentityOf(int pid, in Stat stat)
    {
        if (_identities.TryGetValue(pid, out var id) && id.StartTicks == stat.StartTicks)
        {
            id.SeenIn = _pass;
            return id;
        }
        string cmdline;
        try
        {
            cmdline = File.ReadAllText(Path.Combine(_procfs.Root, pid.ToString(CultureInfo.InvariantCulture), "cmdline"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cmdline = string.Empty;
        }
        id = new Identity(stat.StartTicks, stat.Comm, ProcessNames.Of(stat.Comm, cmdline)) { SeenIn = _pass };
        _identities[pid] = id;
        return id;
    }

    private string? GroupOf(int pid, Identity identity)
    {
        foreach (var o in _options)
        {
            if (o.Pids.Contains(pid))
            {
                return o.Group ?? identity.Names[0];
            }
            foreach (string name in o.Names)
            {
                if (ProcessNames.Matches(identity.Names, name, identity.Comm))
                {
                    return o.Group ?? name;
                }
            }
        }
        return null;
    }

    private void Account(int pid, in Stat stat, GroupState g)
    {
        string dir = Path.Combine(_procfs.Root, pid.ToString(CultureInfo.InvariantCulture));
        bool partial = false;
        double hz = Procfs.UserHz;
        var now = new Counters
        {
            User = stat.UTimeTicks / hz,
            System = stat.STimeTicks / hz,
            MajorFaults = stat.MajorFaults,
            MinorFaults = stat.MinorFaults,
        };
        double swapped = 0;
        if (TryRead(Path.Combine(dir, "status"), out string status, ref partial))
        {
            foreach (var line in status.Split('\n'))
            {
                if (line.StartsWith("VmSwap:", StringComparison.Ordinal))
                {
                    swapped = Procfs.ParseNumber(Procfs.Fields(line)[1], dir + "/status") * 1024;
                }
                else if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    now.Voluntary = Procfs.ParseNumber(Procfs.Fields(line)[1], dir + "/status");
                }
                else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    now.Nonvoluntary = Procfs.ParseNumber(Procfs.Fields(line)[1], dir + "/status");
                }
            }
        }
        if (TryRead(Path.Combine(dir, "io"), out string io, ref partial))
        {
            foreach (var line in io.Split('\n'))
            {
                if (line.StartsWith("read_bytes:", StringComparison.Ordinal))
                {
                    now.ReadBytes = Procfs.ParseNumber(Procfs.Fields(line)[1], dir + "/io");
                }
                else if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                {
                    now.WriteBytes = Procfs.ParseNumber(Procfs.Fields(line)[1], dir + "/io");
                }
            }
        }
        int fds = -1;
        try
        {
            fds = Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")).Count();
        }
        catch (UnauthorizedAccessException)
        {
            _permissionErrors++;
            partial = true;
        }
        catch (IOException)
        {
            partial = true;
        }
        double fdLimit = 0;
        if (TryRead(Path.Combine(dir, "limits"), out string limits, ref partial))
        {
            foreach (var line in limits.Split('\n'))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] f = Procfs.Fields(line);
                    if (f.Length > 3 && double.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out double soft))
                    {
                        fdLimit = soft;
                    }
                }
            }
        }
        if (partial)
        {
            _partialErrors++;
        }

        var key = (pid, stat.StartTicks);
        if (!_tracked.TryGetValue(key, out var tracked) || tracked.Group != g.Name)
        {
            // Note: a process seen for the first time brings everything it used since it started.
            tracked = new Tracked(g.Name);
            _tracked[key] = tracked;
        }
        g.Totals.Add(now, tracked.Last);
        tracked.Last = now;
        tracked.SeenIn = _pass;

        g.Procs++;
        g.Resident += stat.RssPages * _pageSize;
        g.Virtual += stat.VSizeBytes;
        g.Swapped += swapped;
        g.Threads += stat.Threads;
        if (fds >= 0)
        {
            g.OpenFds += fds;
            if (fdLimit > 0)
            {
                g.WorstFdRatio = Math.Max(g.WorstFdRatio, fds / fdLimit);
            }
        }
        double started = _bootTime!.Value + (stat.StartTicks / hz);
        g.OldestStart = g.OldestStart is double old ? Math.Min(old, started) : started;
        g.States[stat.State switch { 'R' => 0, 'S' => 1, 'D' => 2, 'Z' => 3, _ => 4 }]++;
    }

    private bool TryRead(string path, out string text, ref bool partial)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            _permissionErrors++;
        }
        catch (IOException)
        {
            // exited meanwhile, or the kernel refused (EACCES on io surfaces as IOException on some kernels)
        }
        text = string.Empty;
        partial = true;
        return false;
    }

    private bool TryReadStat(int pid, out Stat stat)
    {
        stat = default;
        string path = Path.Combine(_procfs.Root, pid.ToString(CultureInfo.InvariantCulture), "stat");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        int open = text.IndexOf('(', StringComparison.Ordinal);
        int close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            throw new FormatException($"{path}: no (comm) field");
        }
        string[] f = Procfs.Fields(text[(close + 1)..]);
        if (f.Length < 22)
        {
            throw new FormatException($"{path}: {f.Length.ToString(CultureInfo.InvariantCulture)} fields after comm, expected at least 22");
        }
        stat = new Stat
        {
            Comm = text[(open + 1)..close],
            State = f[0].Length > 0 ? f[0][0] : '?',
            MinorFaults = Procfs.ParseNumber(f[7], path),
            MajorFaults = Procfs.ParseNumber(f[9], path),
            UTimeTicks = Procfs.ParseNumber(f[11], path),
            STimeTicks = Procfs.ParseNumber(f[12], path),
            Threads = Procfs.ParseNumber(f[17], path),
            StartTicks = Procfs.ParseNumber(f[19], path),
            VSizeBytes = Procfs.ParseNumber(f[20], path),
            RssPages = Procfs.ParseNumber(f[21], path),
        };
        return true;
    }

    private void Prune()
    {
        var goneIds = new List<int>();
        foreach (var (pid, id) in _identities)
        {
            if (id.SeenIn != _pass)
            {
                goneIds.Add(pid);
            }
        }
        foreach (int pid in goneIds)
        {
            _identities.Remove(pid);
        }
        var goneProcs = new List<(int, double)>();
        foreach (var (key, t) in _tracked)
        {
            if (t.SeenIn != _pass)
            {
                goneProcs.Add(key);
            }
        }
        foreach (var key in goneProcs)
        {
            _tracked.Remove(key);
        }
    }

    private void Write(SampleWriter w)
    {
        const string P = "namedprocess_namegroup_";
        foreach (var g in _groups.Values)
        {
            string n = g.Name;
            w.Add(P + "num_procs", g.Procs, "groupname", n);
            w.Add(P + "cpu_seconds_total", g.Totals.User, "groupname", n, "mode", "user");
            w.Add(P + "cpu_seconds_total", g.Totals.System, "groupname", n, "mode", "system");
            w.Add(P + "read_bytes_total", g.Totals.ReadBytes, "groupname", n);
            w.Add(P + "write_bytes_total", g.Totals.WriteBytes, "groupname", n);
            w.Add(P + "major_page_faults_total", g.Totals.MajorFaults, "groupname", n);
            w.Add(P + "minor_page_faults_total", g.Totals.MinorFaults, "groupname", n);
            w.Add(P + "context_switches_total", g.Totals.Voluntary, "ctxswitchtype", "voluntary", "groupname", n);
            w.Add(P + "context_switches_total", g.Totals.Nonvoluntary, "ctxswitchtype", "nonvoluntary", "groupname", n);
            w.Add(P + "memory_bytes", g.Resident, "groupname", n, "memtype", "resident");
            w.Add(P + "memory_bytes", g.Virtual, "groupname", n, "memtype", "virtual");
            w.Add(P + "memory_bytes", g.Swapped, "groupname", n, "memtype", "swapped");
            w.Add(P + "num_threads", g.Threads, "groupname", n);
            w.Add(P + "open_filedesc", g.OpenFds, "groupname", n);
            w.Add(P + "worst_fd_ratio", g.WorstFdRatio, "groupname", n);
            if (g.OldestStart is double oldest)
            {
                w.Add(P + "oldest_start_time_seconds", oldest, "groupname", n);
            }
            for (int i = 0; i < StateNames.Length; i++)
            {
                w.Add(P + "states", g.States[i], "groupname", n, "state", StateNames[i]);
            }
        }
        w.Add("namedprocess_scrape_permission_errors", _permissionErrors);
        w.Add("namedprocess_scrape_partial_errors", _partialErrors);
    }

    /// <summary>The fields of <c>/proc/PID/stat</c> the collector uses.</summary>
    private struct Stat
    {
        public string Comm;
        public char State;
        public double MinorFaults;
        public double MajorFaults;
        public double UTimeTicks;
        public double STimeTicks;
        public double Threads;
        public double StartTicks;
        public double VSizeBytes;
        public double RssPages;
    }

    /// <summary>The cumulative per-process counters a group adds up.</summary>
    private struct Counters
    {
        public double User;
        public double System;
        public double ReadBytes;
        public double WriteBytes;
        public double MajorFaults;
        public double MinorFaults;
        public double Voluntary;
        public double Nonvoluntary;

        /// <summary>Adds what <paramref name="now"/> grew since <paramref name="before"/> (never a negative amount).</summary>
        public void Add(in Counters now, in Counters before)
        {
            User += Math.Max(0, now.User - before.User);
            System += Math.Max(0, now.System - before.System);
            ReadBytes += Math.Max(0, now.ReadBytes - before.ReadBytes);
            WriteBytes += Math.Max(0, now.WriteBytes - before.WriteBytes);
            MajorFaults += Math.Max(0, now.MajorFaults - before.MajorFaults);
            MinorFaults += Math.Max(0, now.MinorFaults - before.MinorFaults);
            Voluntary += Math.Max(0, now.Voluntary - before.Voluntary);
            Nonvoluntary += Math.Max(0, now.Nonvoluntary - before.Nonvoluntary);
        }
    }

    /// <summary>A pid's start time and names, cached until the pid goes away or is reused.</summary>
    private sealed class Identity(double startTicks, string comm, string[] names)
    {
        public double StartTicks { get; } = startTicks;

        public string Comm { get; } = comm;

        public string[] Names { get; } = names;

        public long SeenIn;
    }

    /// <summary>A process being accounted to a group, with its counters at the previous collection.</summary>
    private sealed class Tracked(string group)
    {
        public string Group { get; } = group;

        public Counters Last;

        public long SeenIn;
    }

    /// <summary>A group's running counter totals and this collection's gauges.</summary>
    private sealed class GroupState(string name)
    {
        public string Name { get; } = name;

        public Counters Totals;

        public int Procs;

        public double Resident;

        public double Virtual;

        public double Swapped;

        public double Threads;

        public double OpenFds;

        public double WorstFdRatio;

        public double? OldestStart;

        public int[] States { get; } = new int[5];

        public void ResetGauges()
        {
            Procs = 0;
            Resident = Virtual = Swapped = Threads = OpenFds = WorstFdRatio = 0;
            OldestStart = null;
            Array.Clear(States);
        }
    }
}
