using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Ipv6Agent.Verifying;

/// <summary>What one echo request got.</summary>
/// <param name="Replied">The target answered.</param>
/// <param name="CouldNotCheck">The echo could not be sent at all for a reason on this host, not on the network (no
/// <c>CAP_NET_RAW</c>, IPv6 sockets forbidden): never to be read as "the target did not answer".</param>
/// <param name="Detail">Why not, for a report; empty when it replied.</param>
internal sealed record EchoResult(bool Replied, bool CouldNotCheck, string Detail);

/// <summary>A socket opened for one echo, or why it could not be.</summary>
internal sealed record EchoSocket(Socket? Socket, IPAddress Target, EchoResult? Failure);

/// <summary>
/// One ICMPv6 echo request and its reply, from the agent's own process over a raw ICMPv6 socket, so the gateway check needs no
/// <c>ping</c> program on the host (a minimal image has none, and the .deb does not pull one in).
/// </summary>
/// <remarks>
/// A raw socket, not <see cref="System.Net.NetworkInformation.Ping"/>: that one falls back to running <c>ping</c> when it may not
/// open a raw socket, which is the dependency this class removes. The service has <c>CAP_NET_RAW</c>; a datagram ICMP socket
/// would instead depend on <c>net.ipv4.ping_group_range</c>. The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket
/// (RFC 3542), and every raw ICMPv6 socket sees every echo reply, so a reply is matched by source, identifier, sequence and a
/// random payload. A link-local target gets the interface's index as its zone, looked up with <c>if_nametoindex</c>: that asks
/// the kernel of the caller's own network namespace, where <c>/sys</c> would show the namespace it was mounted in.
/// </remarks>
/// <param name="inNamespace">Runs the socket's opening where the echo is to be sent from: in place on a host; a test runs it on a
/// thread inside a test network namespace. The socket keeps that namespace for its life, whichever thread then uses it.</param>
internal sealed class Icmpv6Echo(Func<Func<EchoSocket>, EchoSocket> inNamespace)
{
    private const byte EchoRequest = 128;
    private const byte EchoReply = 129;
    private const int IcmpV6Level = 58; // IPPROTO_ICMPV6
    private const int Icmp6Filter = 1; // ICMP6_FILTER
    private const int PayloadLength = 16;

    private int _sequence;

    public Icmpv6Echo() : this(static open => open())
    {
    }

    /// <summary>Sends one echo request to <paramref name="target"/> out of <paramref name="interfaceName"/> and waits up to
    /// <paramref name="timeout"/> for its reply.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public async Task<EchoResult> SendAsync(IPAddress target, string interfaceName, TimeSpan timeout, CancellationToken ct)
    {
        var opened = inNamespace(() => Open(target, interfaceName));
        if (opened.Failure is not null) return opened.Failure;
        using var socket = opened.Socket!;

        var identifier = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        var sequence = (ushort)Interlocked.Increment(ref _sequence);
        var request = new byte[8 + PayloadLength];
        request[0] = EchoRequest;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), sequence);
        RandomNumberGenerator.Fill(request.AsSpan(8));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.SendToAsync(request, SocketFlags.None, new IPEndPoint(opened.Target, 0), deadline.Token).ConfigureAwait(false);
            var buffer = new byte[1500];
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), deadline.Token)
                    .ConfigureAwait(false);
                var from = ((IPEndPoint)received.RemoteEndPoint).Address;
                if (IsReplyTo(buffer.AsSpan(0, received.ReceivedBytes), request, from, opened.Target)) return new EchoResult(true, false, "");
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new EchoResult(false, false, $"no reply within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            // Unreachable network, no route, a source address still tentative: the network's state, as ping reports it.
            return new EchoResult(false, false, e.Message);
        }
    }

    /// <summary>Whether <paramref name="reply"/> answers <paramref name="request"/>: from the address the request went to.</summary>
    private static bool IsReplyTo(ReadOnlySpan<byte> reply, byte[] request, IPAddress from, IPAddress sentTo) =>
        reply.Length == request.Length
        && reply[0] == EchoReply
        && reply[4..8].SequenceEqual(request.AsSpan(4, 4))
        && reply[8..].SequenceEqual(request.AsSpan(8))
        && from.GetAddressBytes().AsSpan().SequenceEqual(sentTo.GetAddressBytes());

    /// <summary>Looks the zone up and opens the socket, in the calling thread's network namespace.</summary>
    internal static EchoSocket Open(IPAddress target, string interfaceName)
    {
        var destination = new IPAddress(target.GetAddressBytes());
        if (target.IsIPv6LinkLocal)
        {
            var index = if_nametoindex(interfaceName);
            if (index == 0)
            {
                return new EchoSocket(null, target,
                    new EchoResult(false, false, $"interface {interfaceName} does not exist ({Marshal.GetLastPInvokeErrorMessage()})"));
            }

            destination.ScopeId = index;
        }

        Socket socket;
        try
        {
            socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
        }
        catch (SocketException e)
        {
            var why = e.SocketErrorCode is SocketError.AccessDenied
                ? "the agent needs CAP_NET_RAW (it runs as root in ipv6-agent.service)"
                : "IPv6 raw sockets are not available to the agent";
            return new EchoSocket(null, target, new EchoResult(false, true, $"could not open an ICMPv6 socket: {e.Message}; {why}"));
        }

        try
        {
            socket.SetRawSocketOption(IcmpV6Level, Icmp6Filter, PassOnlyEchoReplies());
        }
        catch (SocketException)
        {
            // Only a filter to spare the process neighbour discovery traffic: replies are matched one by one anyway.
        }

        return new EchoSocket(socket, destination, null);
    }

    /// <summary>An <c>icmp6_filter</c>: 256 bits, one per ICMPv6 type, a set bit blocks that type.</summary>
    private static byte[] PassOnlyEchoReplies()
    {
        var words = new uint[8];
        Array.Fill(words, uint.MaxValue);
        words[EchoReply >> 5] &= ~(1u << (EchoReply & 31));
        return MemoryMarshal.AsBytes(words.AsSpan()).ToArray();
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this assembly; this signature is blittable but for the name.
    [DllImport("libc", SetLastError = true)]
    private static extern uint if_nametoindex([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
#pragma warning restore SYSLIB1054
}
