using System.Runtime.CompilerServices;

// The sink and delivery tests (tests/Sinks.Tests) check encoders and the retry gate directly.
[assembly: InternalsVisibleTo("Sinks.Tests")]
