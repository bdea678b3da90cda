// The agent changes Linux hosts (netplan, /proc, flock, chown); it never runs elsewhere, so Unix-only file APIs are fine everywhere.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
