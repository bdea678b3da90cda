using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Ipv6Agent.Benchmarks;
using Ipv6Agent.Benchmarks.Goals;

if (args is ["blog-host", var directory])
    return await BlogHostServer.RunAsync(directory);
if (args is ["goals", .. var goalArgs])
    return await GoalBenchmarks.RunAsync(goalArgs);

// In-process unless a job is asked for ('--job short' etc.): no generated project to build per benchmark class, which
// on a 2-core machine shared with other work costs more than the benchmarks themselves.
var config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
if (!args.Any(a => a is "--job" or "-j" or "--runtimes" or "-r"))
    config = config.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcess"));
BenchmarkSwitcher.FromAssembly(typeof(Fixtures).Assembly).Run(args, config);
return 0;
