// The agent and these benchmarks run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
