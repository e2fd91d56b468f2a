namespace Pulse.Docker.Tests;

/// <summary>The EMF reader the container tests rely on (no engine needed).</summary>
public sealed class EmfOutputTests
{
    private const string Line =
        """{"_aws":{"Timestamp":1764739200000,"CloudWatchMetrics":[{"Namespace":"Pulse","Dimensions":[["function_name"]],"Metrics":[{"Name":"duration","Unit":"Milliseconds"},{"Name":"invocations","Unit":"Count"}]}]},"function_name":"f","cold_start":"true","requestId":"r-1","duration":[12.5,3],"invocations":1}""";

    [Fact]
    public void Reads_metrics_values_and_properties_even_behind_a_log_prefix()
    {
        var emf = EmfOutput.Parse("START something\n2026-12-03T05:00:00Z\tr-1\tINFO\t" + Line + "\nplain line {not json}\n");
        var record = Assert.Single(emf.Records);
        Assert.Empty(emf.Invalid);
        Assert.Equal("Pulse", record.Namespace);
        Assert.Equal(1764739200000, record.Timestamp);
        Assert.Equal("r-1", record.RequestId);
        Assert.Equal(15.5, record.Sum("duration"));
        Assert.Equal(1, emf.Sum("invocations"));
        Assert.Equal("Milliseconds", record.Units["duration"]);
        Assert.Equal("true", record.Properties["cold_start"]);
        Assert.Equal(["r-1"], emf.RequestIdsWith("duration"));
    }

    [Theory]
    [InlineData("""{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"P","Dimensions":[],"Metrics":[{"Name":"x"}]}]}}""", "metric x has no value")]
    [InlineData("""{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"P","Dimensions":[["fn"]],"Metrics":[{"Name":"x"}]}]},"x":1}""", "dimension fn has no value")]
    [InlineData("""{"_aws":{"CloudWatchMetrics":[]}}""", "no integer _aws.Timestamp")]
    [InlineData("""{"_aws":{"Timestamp":1}""", "not JSON")]
    public void Invalid_emf_is_reported_not_counted(string line, string reason)
    {
        var emf = EmfOutput.Parse(line);
        Assert.Empty(emf.Records);
        Assert.StartsWith(reason, Assert.Single(emf.Invalid));
    }
}
