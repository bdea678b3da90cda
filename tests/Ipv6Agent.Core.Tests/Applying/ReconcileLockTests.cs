using System.Diagnostics;

namespace Ipv6Agent.Applying;

public sealed class ReconcileLockTests
{
    private static readonly TimeProvider Time = TimeProvider.System;

    [Fact]
    public async Task Acquire_WhileAnotherHolderHasIt_TimesOutNamingThePid()
    {
        using var root = new ScratchRoot();
        var ct = TestContext.Current.CancellationToken;
        using var first = await ReconcileLock.AcquireAsync(root.Path, TimeSpan.Zero, Time, ct);

        var started = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ApplyException>(() =>
            ReconcileLock.AcquireAsync(root.Path, TimeSpan.FromMilliseconds(600), Time, ct));

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(5));
        Assert.Equal(
            $"another ipv6-agent pass is running (pid {Environment.ProcessId}); waited 1 s for it to finish. Try again when it is done",
            error.Message);
    }

    [Fact]
    public async Task Acquire_HeldByAnotherProcessWithFlock_IsRefusedAndNamesThatProcess()
    {
        using var root = new ScratchRoot();
        var ct = TestContext.Current.CancellationToken;
        var path = root.Full(ReconcileLock.HostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        // util-linux flock takes an exclusive flock(2) and holds it while its child sleeps.
        using var holder = Process.Start("flock", ["-x", path, "sleep", "30"]);
        try
        {
            await WaitUntilAsync(() => ReconcileLock.HolderOf(path) is not null, ct);

            var error = await Assert.ThrowsAsync<ApplyException>(() =>
                ReconcileLock.AcquireAsync(root.Path, TimeSpan.FromMilliseconds(200), Time, ct));

            Assert.StartsWith($"another ipv6-agent pass is running (pid {holder.Id})", error.Message);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync(ct);
        }
    }

    [Fact]
    public async Task Acquire_Held_IsAnFlockOtherProcessesSee_AndDisposeReleasesIt()
    {
        using var root = new ScratchRoot();
        var ct = TestContext.Current.CancellationToken;
        var path = root.Full(ReconcileLock.HostPath);

        using (await ReconcileLock.AcquireAsync(root.Path, TimeSpan.Zero, Time, ct))
        {
            Assert.Equal(1, await FlockNonBlockingAsync(path, ct));
        }

        Assert.Equal(0, await FlockNonBlockingAsync(path, ct));
        using var again = await ReconcileLock.AcquireAsync(root.Path, TimeSpan.Zero, Time, ct);
    }

    [Fact]
    public async Task Acquire_WaitsUntilTheHolderReleases()
    {
        using var root = new ScratchRoot();
        var ct = TestContext.Current.CancellationToken;
        var first = await ReconcileLock.AcquireAsync(root.Path, TimeSpan.Zero, Time, ct);
        _ = Task.Delay(300, ct).ContinueWith(_ => first.Dispose(), ct, TaskContinuationOptions.None, TaskScheduler.Default);

        using var second = await ReconcileLock.AcquireAsync(root.Path, TimeSpan.FromSeconds(10), Time, ct);
    }

    private static async Task<int> FlockNonBlockingAsync(string path, CancellationToken ct)
    {
        using var probe = Process.Start("flock", ["-n", path, "true"]);
        await probe.WaitForExitAsync(ct);
        return probe.ExitCode;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50, ct);
        Assert.True(condition());
    }
}
