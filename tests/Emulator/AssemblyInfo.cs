// The sandbox is Linux-only: cgroups, signals, mount namespaces, unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
