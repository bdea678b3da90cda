using System.Net;
using Ipv6Agent.Addressing;

namespace Ipv6Agent.Testbed.Network;

/// <summary>The link-local address the kernel derives from a MAC (addr_gen_mode eui64, the default).</summary>
internal static class Eui64
{
    public static IPAddress LinkLocal(MacAddress mac)
    {
        var b = mac.ToString().Split(':').Select(h => System.Convert.ToByte(h, 16)).ToArray();
        byte[] a = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, (byte)(b[0] ^ 0x02), b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
        return new IPAddress(a);
    }
}
