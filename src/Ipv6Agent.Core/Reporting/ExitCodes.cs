namespace Ipv6Agent.Reporting;

/// <summary>Exit codes of the contract (sysexits.h for usage and configuration).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Degraded = 1;
    public const int Failed = 2;
    public const int NoReport = 3;
    public const int Usage = 64;
    public const int InvalidConfiguration = 78;
}
