using BenchmarkDotNet.Running;
using Vigil.Benchmarks;

if (await RemoteWriteLoad.RunAsync(args) is { } code)
{
    return code;
}
if (BlockDecodeCpu.Run(args) is { } decoded)
{
    return decoded;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
