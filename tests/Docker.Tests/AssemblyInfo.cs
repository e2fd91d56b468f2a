using Pulse.Docker.Tests;

// One engine and one image per run, shared by every test; containers run one at a time because each
// has a memory cap and the machine has 2 cores (parallel sandboxes would turn timeouts into noise).
[assembly: AssemblyFixture(typeof(DockerFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]
