namespace Pulse.TestFunction;

/// <summary>
/// What the function does during INIT, from the command line and the environment:
/// <c>--init-fail</c> or TEST_FUNCTION_INIT_FAIL (alias INIT_FAIL) reports an init error and exits;
/// <c>--init-sleep-ms N</c> or TEST_FUNCTION_INIT_SLEEP_MS delays the first /next by N ms.
/// </summary>
internal sealed record InitBehaviour(int SleepMs, string? FailMessage, IReadOnlyList<string> Problems)
{
    public static InitBehaviour From(IReadOnlyList<string> args, Func<string, string?> env)
    {
        var problems = new List<string>();
        string? failMessage = null;
        string? sleepText = env("TEST_FUNCTION_INIT_SLEEP_MS");

        var failValue = env("TEST_FUNCTION_INIT_FAIL") ?? env("INIT_FAIL");
        if (!string.IsNullOrEmpty(failValue) && failValue is not ("0" or "false" or "False" or "FALSE"))
        {
            failMessage = failValue is "1" or "true" or "True" or "TRUE" ? "scripted init failure" : failValue;
        }

        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--init-fail":
                    failMessage ??= "scripted init failure (--init-fail)";
                    break;
                case "--init-sleep-ms" when i + 1 < args.Count:
                    sleepText = args[++i];
                    break;
                default:
                    problems.Add($"unknown argument '{args[i]}' ignored");
                    break;
            }
        }

        var sleepMs = 0;
        if (!string.IsNullOrEmpty(sleepText) && (!int.TryParse(sleepText, out sleepMs) || sleepMs < 0))
        {
            problems.Add($"init sleep '{sleepText}' is not a non-negative number of milliseconds: no init sleep");
            sleepMs = 0;
        }
        return new InitBehaviour(sleepMs, failMessage, problems);
    }
}
