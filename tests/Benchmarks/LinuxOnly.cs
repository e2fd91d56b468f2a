// The benchmarks run Lambda sandboxes: Linux only (/proc, signals, Unix file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
