// The tests boot containers and time `ipv6-agent status`: on a two-core machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
