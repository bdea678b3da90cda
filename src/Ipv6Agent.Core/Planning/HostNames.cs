using Ipv6Agent.Reporting;

namespace Ipv6Agent.Planning;

/// <summary>
/// The names a plan takes from the host (the kernel's interface name, a netplan file's ID and <c>set-name</c>) end up in
/// the files the agent writes and in its report. They are text the agent does not control: a <c>set-name</c> with a line
/// feed would add keys to the netplan file, so a name that is not what the kernel or netplan could mean is refused here,
/// before anything is rendered, with a line that quotes it escaped.
/// </summary>
internal static class HostNames
{
    /// <summary>The kernel's limit (IFNAMSIZ is 16 with the NUL).</summary>
    private const int MaxInterfaceName = 15;

    private const int MaxNetplanId = 255;

    /// <summary>
    /// A Linux interface name as the kernel accepts it (dev_valid_name: 1 to 15 bytes, not . or .., no '/', ':' or
    /// whitespace), and printable ASCII, as every name udev, cloud-init and netplan produce.
    /// </summary>
    public static void CheckInterface(string name, string source)
    {
        var valid = name.Length is > 0 and <= MaxInterfaceName && name is not ("." or "..")
            && name.All(c => c is > ' ' and <= '~' and not ('/' or ':'));
        if (!valid)
            throw new PlanningException(
                $"{source} names the ENI's interface '{Quoted(name)}', which is not a Linux interface name " +
                "(1 to 15 printable ASCII characters, no space, '/' or ':'); fix the name, then run ipv6-agent again.");
    }

    /// <summary>A netplan ID: it becomes a file name in netplan's output, so no '/', and one line of visible text.</summary>
    public static void CheckNetplanId(string id, string? source)
    {
        var valid = id.Length is > 0 and <= MaxNetplanId && !id.Contains('/', StringComparison.Ordinal)
            && SafeText.IsOneLine(id) && id.All(c => c != '\uFEFF');
        if (!valid)
            throw new PlanningException(
                $"{source ?? "netplan"} defines the ENI under the netplan ID '{Quoted(id)}', which the agent cannot write safely " +
                "(an ID is one line of visible text without '/', at most 255 characters); rename it, then run ipv6-agent again.");
    }

    private static string Quoted(string text)
    {
        var safe = SafeText.OneLine(text);
        return safe.Length <= 80 ? safe : safe[..80] + "…";
    }
}
