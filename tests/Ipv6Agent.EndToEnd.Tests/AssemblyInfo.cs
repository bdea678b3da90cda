// One simulated VPC at a time: the machine has two cores, and the scenarios time their daemons.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
