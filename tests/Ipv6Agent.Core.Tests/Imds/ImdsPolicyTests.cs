namespace Ipv6Agent.Imds;

public sealed class ImdsPolicyTests
{
    [Theory]
    [InlineData(2, 250)]
    [InlineData(3, 500)]
    [InlineData(4, 1000)]
    [InlineData(5, 2000)]
    [InlineData(9, 2000)]
    public void DelayBefore_DoublesUpToTheCap(int attempt, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), ImdsRetryPolicy.Default.DelayBefore(attempt));

    [Fact]
    public void DefaultPolicy_WorstCaseBoundedByTheBudget()
    {
        var policy = ImdsRetryPolicy.Default;

        Assert.Equal(TimeSpan.FromSeconds(10), policy.TotalBudget);
        Assert.True(policy.ConnectTimeout <= TimeSpan.FromSeconds(1), "a dead IPv4 endpoint must not slow an IPv6-only instance");
    }

    [Theory]
    [InlineData(21600, 21540)]
    [InlineData(60, 54)]
    public void Token_RenewedOneMinuteOrATenthEarly(int ttlSeconds, int renewAfterSeconds)
    {
        var now = new DateTimeOffset(2026, 11, 27, 20, 0, 0, TimeSpan.Zero);

        var token = ImdsToken.Issued("t", now, TimeSpan.FromSeconds(ttlSeconds));

        Assert.Equal(now.AddSeconds(renewAfterSeconds), token.RenewAfter);
        Assert.True(token.IsFresh(now.AddSeconds(renewAfterSeconds - 1)));
        Assert.False(token.IsFresh(now.AddSeconds(renewAfterSeconds)));
    }
}
