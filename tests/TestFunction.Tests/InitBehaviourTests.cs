using Pulse.TestFunction;

namespace Pulse.TestFunction.Tests;

public sealed class InitBehaviourTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Nothing_set_means_a_plain_init()
    {
        var init = InitBehaviour.From([], Env());
        Assert.Equal(0, init.SleepMs);
        Assert.Null(init.FailMessage);
        Assert.Empty(init.Problems);
    }

    [Fact]
    public void The_flag_and_the_environment_both_request_an_init_failure()
    {
        Assert.NotNull(InitBehaviour.From(["--init-fail"], Env()).FailMessage);
        Assert.Equal("scripted init failure", InitBehaviour.From([], Env(("TEST_FUNCTION_INIT_FAIL", "1"))).FailMessage);
        Assert.Equal("db unreachable", InitBehaviour.From([], Env(("INIT_FAIL", "db unreachable"))).FailMessage);
        Assert.Null(InitBehaviour.From([], Env(("TEST_FUNCTION_INIT_FAIL", "false"))).FailMessage);
    }

    [Fact]
    public void Init_sleep_comes_from_the_argument_before_the_environment()
    {
        Assert.Equal(250, InitBehaviour.From([], Env(("TEST_FUNCTION_INIT_SLEEP_MS", "250"))).SleepMs);
        Assert.Equal(40, InitBehaviour.From(["--init-sleep-ms", "40"], Env(("TEST_FUNCTION_INIT_SLEEP_MS", "250"))).SleepMs);
    }

    [Theory]
    [InlineData("-3")]
    [InlineData("soon")]
    public void A_bad_init_sleep_is_refused_with_a_problem(string value)
    {
        var init = InitBehaviour.From([], Env(("TEST_FUNCTION_INIT_SLEEP_MS", value)));
        Assert.Equal(0, init.SleepMs);
        Assert.Single(init.Problems);
    }

    [Fact]
    public void Unknown_arguments_are_reported_not_fatal()
    {
        var init = InitBehaviour.From(["--verbose"], Env());
        Assert.Contains(init.Problems, p => p.Contains("--verbose"));
        Assert.Null(init.FailMessage);
    }
}
