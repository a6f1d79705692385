namespace Vigil.Collection.Collectors;

/// <summary>Where the host collector reads and what it skips; the defaults are node_exporter's.</summary>
internal sealed record HostCollectorOptions
{
    /// <summary>node_exporter's default <c>--collector.diskstats.device-exclude</c>: RAM disks, loops, floppies and partitions.</summary>
    public const string DefaultDiskDeviceExclude = @"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";

    /// <summary>node_exporter's default <c>--collector.filesystem.mount-points-exclude</c>.</summary>
    public const string DefaultMountPointsExclude = @"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";

    /// <summary>node_exporter's default <c>--collector.filesystem.fs-types-exclude</c>: pseudo and read-only image filesystems.</summary>
    public const string DefaultFsTypesExclude =
        "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$";

    /// <summary>The procfs mount to read.</summary>
    public string ProcPath { get; init; } = "/proc";

    /// <summary>Block devices to skip (regex, fully matched as written).</summary>
    public string DiskDeviceExclude { get; init; } = DefaultDiskDeviceExclude;

    /// <summary>Mount points to skip.</summary>
    public string FilesystemMountPointsExclude { get; init; } = DefaultMountPointsExclude;

    /// <summary>Filesystem types to skip.</summary>
    public string FilesystemTypesExclude { get; init; } = DefaultFsTypesExclude;

    /// <summary>Network devices to skip; empty keeps all (node_exporter's upstream default).</summary>
    public string NetworkDeviceExclude { get; init; } = string.Empty;

    /// <summary>How long one <c>statfs</c> may take before the mount is treated as stuck.</summary>
    public TimeSpan MountTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
