using BenchmarkDotNet.Running;
using Vigil.Benchmarks;

if (await RemoteWriteLoad.RunAsync(args) is { } code)
{
    return code;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
