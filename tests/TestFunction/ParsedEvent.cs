namespace Pulse.TestFunction;

/// <summary>
/// An event read as a script. <see cref="Problems"/> lists every field that was refused (out of range,
/// wrong shape) with what is done instead, so a malformed event still gets an answer and says why.
/// </summary>
internal sealed record ParsedEvent(EventScript Script, bool IsJson, IReadOnlyList<string> Problems);
