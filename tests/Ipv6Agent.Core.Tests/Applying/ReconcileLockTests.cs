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
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); // as the agent makes it: a lock the agent owns
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

    /// <summary>
    /// Issue 8, item 10: a lock file any user can open is one any user can flock (read-only will do) and hold for ever, stopping
    /// every pass. One left 0644 (by an older agent) and held by another user is replaced by the agent's own 0600 file.
    /// </summary>
    [Fact]
    public async Task Acquire_LockOpenToOtherUsersAndHeldByOne_IsReplacedWithAPrivateFileTheyCannotOpen()
    {
        using var root = new ScratchRoot();
        var ct = TestContext.Current.CancellationToken;
        var path = root.Full(ReconcileLock.HostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var holder = Process.Start("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "flock", "-s", path, "sleep", "30"]);
        try
        {
            await WaitUntilAsync(() => ReconcileLock.HolderOf(path) is not null, ct);

            using (await ReconcileLock.AcquireAsync(root.Path, TimeSpan.FromMilliseconds(300), Time, ct))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                Assert.Equal(0u, Posix.Identify(path).Uid);
            }

            using var other = Process.Start("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "flock", "-n", "-s", path, "true"]);
            await other.WaitForExitAsync(ct);
            Assert.NotEqual(0, other.ExitCode); // cannot even open it
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync(ct);
        }
    }

    /// <summary>Whatever is planted at the lock's path, the agent never writes through it, never blocks on it, and still locks.</summary>
    [Theory]
    [InlineData("symlink")]
    [InlineData("dangling-symlink")]
    [InlineData("hardlink")]
    [InlineData("fifo")]
    public async Task Acquire_PlantedAtTheLockPath_NeverTouchesWhatItPointsTo(string planted)
    {
        using var root = new ScratchRoot();
        var ct = TestContext.Current.CancellationToken;
        var path = root.Full(ReconcileLock.HostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var precious = root.Put("/etc/shadow", "root:*:19000::::::\n", UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var missing = root.Full("/etc/created-through-a-link");
        switch (planted)
        {
            case "symlink": File.CreateSymbolicLink(path, precious); break;
            case "dangling-symlink": File.CreateSymbolicLink(path, missing); break;
            case "hardlink": Assert.Equal(0, (await RunAsync("ln", [precious, path], ct))); break;
            case "fifo": Assert.Equal(0, (await RunAsync("mkfifo", [path], ct))); break;
        }

        using (await ReconcileLock.AcquireAsync(root.Path, TimeSpan.FromMilliseconds(300), Time, ct).WaitAsync(TimeSpan.FromSeconds(10), ct))
        {
            Assert.Equal(1, await FlockNonBlockingAsync(path, ct));
        }

        Assert.Equal("root:*:19000::::::\n", File.ReadAllText(precious));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead, File.GetUnixFileMode(precious));
        Assert.False(File.Exists(missing));
        var lockFile = Posix.Identify(path);
        Assert.Equal((FileKind.Regular, 1u, UnixFileMode.UserRead | UnixFileMode.UserWrite), (lockFile.Type, lockFile.Links, lockFile.Mode));
    }

    private static async Task<int> RunAsync(string program, string[] args, CancellationToken ct)
    {
        using var process = Process.Start(program, args);
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
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
