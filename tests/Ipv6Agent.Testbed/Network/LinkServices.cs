using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Ipv6Agent.Testbed.Scenarios;

namespace Ipv6Agent.Testbed.Network;

/// <summary>
/// What EC2's VPC router says on an ENI's link and a booted instance's systemd-networkd listens
/// to: router advertisements (managed flag set, no prefix: the default route via the gateway's
/// link-local address) and a stateful DHCPv6 server that leases every <c>ipv6s</c> address of
/// the ENI on that port as a /128. The namespace instances get the same answers from
/// <c>scripts/ec2-link</c>; a booted machine runs the real clients, so the router must speak.
/// Runs inside the router namespace (hosted by the <c>imds</c> command).
/// </summary>
internal sealed class LinkServices : IAsyncDisposable
{
    private const int DhcpServerPort = 547;
    private const int DhcpClientPort = 546;
    private static readonly IPAddress AllDhcpAgents = IPAddress.Parse("ff02::1:2");
    private static readonly IPAddress AllNodes = IPAddress.Parse("ff02::1");

    // EC2's DHCPv6 lifetimes (as scripts/ec2-link sets them).
    private const uint ValidSeconds = 450;
    private const uint PreferredSeconds = 140;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly List<Socket> _sockets = [];
    private readonly Dictionary<int, (string Port, InstanceSpec Instance, byte[] Mac)> _ports = [];

    private LinkServices()
    {
    }

    /// <summary>Starts answering on port <c>p{N}</c> for the scenario's N-th instance (as the testbed wires them).</summary>
    public static LinkServices Start(Scenario scenario, Action<string> log)
    {
        var services = new LinkServices();
        var interfaces = NetworkInterface.GetAllNetworkInterfaces().ToDictionary(i => i.Name, StringComparer.Ordinal);
        var index = 0;
        foreach (var spec in scenario.Instances)
        {
            index++;
            var port = $"p{index}";
            if (!interfaces.TryGetValue(port, out var nic)) throw new TestbedException($"router port {port} is missing");
            var ifIndex = nic.GetIPProperties().GetIPv6Properties().Index;
            services._ports[ifIndex] = (port, spec, nic.GetPhysicalAddress().GetAddressBytes());
        }

        var dhcp = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
        services._sockets.Add(dhcp);
        dhcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        dhcp.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.PacketInformation, true);
        dhcp.Bind(new IPEndPoint(IPAddress.IPv6Any, DhcpServerPort));
        foreach (var ifIndex in services._ports.Keys)
        {
            dhcp.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(AllDhcpAgents, ifIndex));
        }

        services._loops.Add(services.ServeDhcpAsync(dhcp, log));
        foreach (var (ifIndex, (port, _, mac)) in services._ports)
        {
            var ra = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
            services._sockets.Add(ra);
            // Sent from the gateway's link-local address: that is the default route's next hop.
            ra.Bind(new IPEndPoint(new IPAddress(VpcRouter.Gateway.GetAddressBytes(), ifIndex), 0));
            ra.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
            ra.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, ifIndex);
            services._loops.Add(services.AdvertiseAsync(ra, ifIndex, mac, log, port));
        }

        log($"router advertisements and DHCPv6 on {string.Join(", ", services._ports.Values.Select(p => p.Port))}");
        return services;
    }

    /// <summary>Unsolicited RAs every two seconds: a booting networkd sees one quickly without RS handling.</summary>
    private async Task AdvertiseAsync(Socket socket, int ifIndex, byte[] mac, Action<string> log, string port)
    {
        var packet = new byte[16 + 8];
        packet[0] = 134; // router advertisement
        packet[4] = 64; // current hop limit
        packet[5] = 0x80; // M: addresses come from DHCPv6
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 1800); // router lifetime
        packet[16] = 1; // source link-layer address option
        packet[17] = 1;
        mac.CopyTo(packet, 18);
        var target = new IPEndPoint(new IPAddress(AllNodes.GetAddressBytes(), ifIndex), 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await socket.SendToAsync(packet, SocketFlags.None, target, _stop.Token);
                await Task.Delay(TimeSpan.FromSeconds(2), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                log($"RA on {port}: {e.Message}");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private async Task ServeDhcpAsync(Socket socket, Action<string> log)
    {
        var buffer = new byte[1500];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult received;
            try
            {
                received = await socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                log($"DHCPv6: {e.Message}");
                continue;
            }

            var ifIndex = received.PacketInformation.Interface;
            if (!_ports.TryGetValue(ifIndex, out var port) || received.RemoteEndPoint is not IPEndPoint client) continue;
            var reply = Dhcpv6.Answer(buffer.AsSpan(0, received.ReceivedBytes), port.Mac, port.Instance.Ipv6s, ValidSeconds, PreferredSeconds);
            if (reply is null) continue;
            var to = new IPEndPoint(new IPAddress(client.Address.GetAddressBytes(), ifIndex), DhcpClientPort);
            try
            {
                await socket.SendToAsync(reply, SocketFlags.None, to, _stop.Token);
                log($"DHCPv6 {Dhcpv6.Name(buffer[0])} from {client.Address} on {port.Port}: {Dhcpv6.Name(reply[0])} with {port.Instance.Ipv6s.Count} addresses");
            }
            catch (SocketException e)
            {
                log($"DHCPv6 reply on {port.Port}: {e.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var s in _sockets) s.Dispose();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }
}

/// <summary>The server side of stateful DHCPv6 (RFC 8415) as far as a client on one link needs it.</summary>
internal static class Dhcpv6
{
    private const byte Solicit = 1, Advertise = 2, Request = 3, Confirm = 4, Renew = 5, Rebind = 6, Reply = 7, Release = 8, Decline = 9, InformationRequest = 11;
    private const ushort OptClientId = 1, OptServerId = 2, OptIaNa = 3, OptIaAddr = 5, OptPreference = 7, OptStatusCode = 13;

    public static string Name(byte type) => type switch
    {
        Solicit => "SOLICIT", Advertise => "ADVERTISE", Request => "REQUEST", Confirm => "CONFIRM", Renew => "RENEW",
        Rebind => "REBIND", Reply => "REPLY", Release => "RELEASE", Decline => "DECLINE", InformationRequest => "INFORMATION-REQUEST",
        _ => $"type {type}",
    };

    /// <summary>The reply to one client message, or null for what a server ignores.</summary>
    public static byte[]? Answer(ReadOnlySpan<byte> message, byte[] serverMac, IReadOnlyList<IPAddress> addresses, uint valid, uint preferred)
    {
        if (message.Length < 4) return null;
        var type = message[0];
        byte[]? clientId = null;
        byte[]? iaid = null;
        for (var at = 4; at + 4 <= message.Length;)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(message[at..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 2)..]);
            if (at + 4 + length > message.Length) return null;
            var body = message.Slice(at + 4, length);
            if (code == OptClientId) clientId = body.ToArray();
            if (code == OptIaNa && length >= 12 && iaid is null) iaid = body[..4].ToArray();
            at += 4 + length;
        }

        if (clientId is null) return null;
        var replyType = type switch
        {
            Solicit => Advertise,
            Request or Confirm or Renew or Rebind or Release or Decline or InformationRequest => Reply,
            _ => (byte)0,
        };
        if (replyType == 0) return null;

        using var output = new MemoryStream();
        output.WriteByte(replyType);
        output.Write(message.Slice(1, 3)); // transaction id
        WriteOption(output, OptClientId, clientId);
        var duid = new byte[4 + serverMac.Length]; // DUID-LL, hardware type 1 (Ethernet)
        duid[1] = 3;
        duid[3] = 1;
        serverMac.CopyTo(duid, 4);
        WriteOption(output, OptServerId, duid);
        if (replyType == Advertise) WriteOption(output, OptPreference, [255]); // the only server: the client need not wait for others
        if (type is Release or Decline or Confirm)
        {
            WriteOption(output, OptStatusCode, [0, 0]);
        }
        else if (iaid is not null)
        {
            using var ia = new MemoryStream();
            ia.Write(iaid);
            WriteUInt32(ia, preferred / 2); // T1
            WriteUInt32(ia, preferred * 4 / 5); // T2
            foreach (var a in addresses)
            {
                var addr = new byte[24];
                a.GetAddressBytes().CopyTo(addr, 0);
                BinaryPrimitives.WriteUInt32BigEndian(addr.AsSpan(16), preferred);
                BinaryPrimitives.WriteUInt32BigEndian(addr.AsSpan(20), valid);
                WriteOption(ia, OptIaAddr, addr);
            }

            WriteOption(output, OptIaNa, ia.ToArray());
        }

        return output.ToArray();
    }

    private static void WriteOption(Stream s, ushort code, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(head, code);
        BinaryPrimitives.WriteUInt16BigEndian(head[2..], checked((ushort)body.Length));
        s.Write(head);
        s.Write(body);
    }

    private static void WriteUInt32(Stream s, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        s.Write(b);
    }
}
