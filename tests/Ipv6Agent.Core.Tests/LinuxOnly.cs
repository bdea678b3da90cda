// The tests exercise Linux-only behaviour (modes, owners, flock, namespaces).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
