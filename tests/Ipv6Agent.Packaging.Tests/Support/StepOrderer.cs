using Xunit.Sdk;
using Xunit.v3;

namespace Ipv6Agent.Packaging.Support;

/// <summary>Orders a test in a class whose tests walk one machine through a lifecycle.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class StepAttribute(int order) : Attribute
{
    public int Order { get; } = order;
}

/// <summary>Runs test cases by their <see cref="StepAttribute"/>, lowest first.</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase =>
        testCases.OrderBy(Order).ToList();

    private static int Order<TTestCase>(TTestCase testCase)
        where TTestCase : notnull, ITestCase =>
        testCase is IXunitTestCase xunit
            ? xunit.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute), false).Cast<StepAttribute>().FirstOrDefault()?.Order ?? int.MaxValue
            : int.MaxValue;
}
