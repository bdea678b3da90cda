using System.Runtime.InteropServices;

namespace Ipv6Agent.Verifying;

/// <summary>
/// Runs a function on a new thread that first enters a network namespace with setns(2), then ends with the function: the
/// network namespace is per thread, so the test process itself, and every other thread, stays in the machine's own. Sockets
/// made on that thread keep its namespace afterwards, whichever thread uses them.
/// </summary>
internal static class NamespaceThread
{
    private const int CloneNewNet = 0x40000000;
    private const int CapNetRaw = 13;

    /// <summary>Runs <paramref name="work"/> inside the namespace bound at <paramref name="netnsPath"/> (<c>/run/netns/NAME</c>).</summary>
    /// <param name="withoutNetRaw">Drop <c>CAP_NET_RAW</c> from the thread's effective set first, as a service without it.</param>
    public static T Run<T>(string netnsPath, Func<T> work, bool withoutNetRaw = false)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var ns = File.OpenHandle(netnsPath))
                {
                    if (setns(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                        throw new InvalidOperationException($"setns {netnsPath}: {Marshal.GetLastPInvokeErrorMessage()}");
                }

                if (withoutNetRaw) DropEffective(CapNetRaw);
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException("the namespaced thread failed", failure);
        return result;
    }

    /// <summary>capset(2) on the calling thread only: capabilities, like the network namespace, belong to a thread.</summary>
    private static void DropEffective(int capability)
    {
        var header = new uint[] { 0x20080522, 0 }; // _LINUX_CAPABILITY_VERSION_3, this thread
        var data = new uint[6]; // two { effective, permitted, inheritable }
        if (capget(header, data) != 0) throw new InvalidOperationException($"capget: {Marshal.GetLastPInvokeErrorMessage()}");
        data[capability / 32 * 3] &= ~(1u << (capability % 32));
        if (capset(header, data) != 0) throw new InvalidOperationException($"capset: {Marshal.GetLastPInvokeErrorMessage()}");
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this assembly; these signatures are blittable.
    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    [DllImport("libc", SetLastError = true)]
    private static extern int capget(uint[] header, uint[] data);

    [DllImport("libc", SetLastError = true)]
    private static extern int capset(uint[] header, uint[] data);
#pragma warning restore SYSLIB1054
}
