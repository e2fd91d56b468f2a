// Sandboxes start processes, freeze cgroups and measure time: one test at a time keeps timings honest on 2 cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
