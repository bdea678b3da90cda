using Ipv6Agent.Reporting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Ipv6Agent.Logging;

/// <summary>
/// The only sd_notify sender the agent registers: every datagram is one assignment (<c>NAME=value</c>), and its value
/// goes through <see cref="SafeText.OneLine"/>. Why here and not where STATUS= is built: systemd splits a datagram at
/// CR and LF into assignments, so a status that quotes outside text (<c>\rMAINPID=1</c> in an IMDS error, a file name)
/// would set the service's main PID or readiness; at the sink, no caller can forget.
/// </summary>
internal sealed class SafeSystemdNotifier(ISystemdNotifier inner) : ISystemdNotifier
{
    public bool IsEnabled => inner.IsEnabled;

    public void Notify(ServiceState state)
    {
        var text = state.ToString();
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        inner.Notify(new ServiceState(equals < 0 ? SafeText.OneLine(text) : text[..(equals + 1)] + SafeText.OneLine(text[(equals + 1)..])));
    }
}
