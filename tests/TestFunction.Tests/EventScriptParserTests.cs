using System.Text;
using Pulse.TestFunction;

namespace Pulse.TestFunction.Tests;

public sealed class EventScriptParserTests
{
    private static ParsedEvent Parse(string json) => EventScriptParser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Combined_fields_are_all_read()
    {
        var parsed = Parse("""
            {"sleepMs":25,"allocateMb":64,"error":"bad","errorType":"Function.Custom","throw":true,"exit":3,"crash":true,
             "timeout":true,"responseBytes":1000,"log":["a","b"],"stderr":["e"],"statsd":["m:1|c|#k:v"],"statsdPort":9125,"echo":true}
            """);
        var s = parsed.Script;
        Assert.Empty(parsed.Problems);
        Assert.True(parsed.IsJson);
        Assert.Equal(25, s.SleepMs);
        Assert.Equal(64, s.AllocateMb);
        Assert.Equal("bad", s.Error);
        Assert.Equal("Function.Custom", s.ErrorType);
        Assert.True(s.Throw && s.Crash && s.Timeout && s.Echo);
        Assert.Equal(3, s.Exit);
        Assert.Equal(1000, s.ResponseBytes);
        Assert.Equal(["a", "b"], s.Log!);
        Assert.Equal(["e"], s.Stderr!);
        Assert.Equal(["m:1|c|#k:v"], s.Statsd!);
        Assert.Equal(9125, s.StatsdPort);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("{}")]
    [InlineData("{\"unrelated\":{\"nested\":[1,2,3]},\"key1\":\"value1\"}")]
    public void Events_without_script_fields_run_the_default(string json)
    {
        var parsed = Parse(json);
        Assert.Empty(parsed.Problems);
        Assert.Null(parsed.Script.SleepMs);
        Assert.Null(parsed.Script.Error);
        Assert.False(parsed.Script.Throw);
    }

    [Theory]
    [InlineData("not json", false)]
    [InlineData("\"a string\"", true)]
    [InlineData("[1,2]", true)]
    [InlineData("{\"sleepMs\":\"ten\"}", true)]
    [InlineData("{\"log\":\"one line, not an array\"}", true)]
    [InlineData("{\"sleepMs\":10", false)]
    public void Malformed_scripts_fall_back_to_the_default_and_say_why(string json, bool isJson)
    {
        var parsed = Parse(json);
        Assert.Equal(isJson, parsed.IsJson);
        Assert.Single(parsed.Problems);
        Assert.Null(parsed.Script.SleepMs);
        Assert.Null(parsed.Script.Log);
    }

    [Theory]
    [InlineData("{\"sleepMs\":-1}", "sleepMs")]
    [InlineData("{\"allocateMb\":-5}", "allocateMb")]
    [InlineData("{\"allocateMb\":999999}", "allocateMb")]
    [InlineData("{\"responseBytes\":-1}", "responseBytes")]
    [InlineData("{\"exit\":300}", "exit")]
    [InlineData("{\"statsdPort\":70000}", "statsdPort")]
    [InlineData("{\"log\":[\"a\",null]}", "log")]
    public void Out_of_range_fields_are_dropped_with_a_problem_naming_them(string json, string field)
    {
        var parsed = Parse(json);
        var problem = Assert.Single(parsed.Problems);
        Assert.StartsWith(field, problem);
        Assert.Null(parsed.Script.SleepMs);
        Assert.Null(parsed.Script.AllocateMb);
        Assert.Null(parsed.Script.ResponseBytes);
        Assert.Null(parsed.Script.Exit);
        Assert.Null(parsed.Script.StatsdPort);
        Assert.True(parsed.Script.Log is null || parsed.Script.Log.All(l => l is not null));
    }
}
