// Lambda sandboxes are Linux; so are these tests (Unix file modes, signals, /proc).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
