namespace Ipv6Agent.Rendering.Netplan;

/// <summary>An <c>ethernets</c> entry of the host's netplan files that defines the ENI.</summary>
/// <param name="Id">The netplan ID (the key under <c>ethernets</c>).</param>
/// <param name="SetName">Its <c>set-name</c>, if any.</param>
/// <param name="DefinedIn">Host path of the file that defines it.</param>
internal sealed record NetplanEthernet(string Id, string? SetName, string DefinedIn);
