namespace Vigil.Server.Profiles;

/// <summary>What is known about one uploaded CPU profile besides its stacks.</summary>
/// <param name="Id">Time-ordered id (hex).</param>
/// <param name="Time">When the server received it.</param>
/// <param name="Process">The sampled process's name as the profiler reported it.</param>
/// <param name="Pid">The sampled process's id, or 0 when not given.</param>
/// <param name="Host">The host the profiler ran on, or empty.</param>
/// <param name="DurationSeconds">How long the process was sampled, or 0 when not given.</param>
/// <param name="Samples">The sum of the stack counts.</param>
/// <param name="Stacks">The number of distinct stacks.</param>
public sealed record StoredProfile(string Id, DateTimeOffset Time, string Process, int Pid, string Host, double DurationSeconds, long Samples, int Stacks);
