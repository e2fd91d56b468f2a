namespace Pulse.TestFunction;

/// <summary>The Runtime API refused /next or answered something unusable: the runtime cannot go on.</summary>
internal sealed class RuntimeApiException(string message) : Exception(message);
