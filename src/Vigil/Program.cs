namespace Vigil;

/// <summary>Entry point of the vigil command-line tool.</summary>
public static class Program
{
    /// <summary>Runs the CLI.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("vigil: commands are being wired up; see README.md");
        return args.Length == 0 ? 0 : 2;
    }
}
