using System.Text;

namespace FloorExtension;

/// <summary>
/// Registers for INVOKE and SHUTDOWN, then long-polls /next forever: on INVOKE it polls again at once,
/// on SHUTDOWN it exits 0. It parses nothing but the event type, subscribes to nothing, sends nothing.
/// </summary>
internal static class Program
{
    private const string ExtensionsApiVersion = "2020-01-01";

    public static async Task<int> Main()
    {
        var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrEmpty(runtimeApi))
        {
            Console.Error.WriteLine("floor: AWS_LAMBDA_RUNTIME_API is not set; run me as a Lambda extension");
            return 2;
        }

        // Lambda identifies an external extension by its file name; a launcher may exec us from
        // another path but keeps the name.
        var name = Path.GetFileName(Environment.ProcessPath) ?? "floor";
        var baseUri = new Uri($"http://{runtimeApi}/{ExtensionsApiVersion}/extension/");
        // /next is a long poll that lasts as long as the sandbox is idle: never time it out.
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };

        try
        {
            using var register = new HttpRequestMessage(HttpMethod.Post, "register")
            {
                Content = new StringContent("{\"events\":[\"INVOKE\",\"SHUTDOWN\"]}", Encoding.UTF8, "application/json"),
            };
            register.Headers.Add("Lambda-Extension-Name", name);
            using var registered = await http.SendAsync(register);
            if (!registered.IsSuccessStatusCode || !registered.Headers.TryGetValues("Lambda-Extension-Identifier", out var ids))
            {
                Console.Error.WriteLine($"floor: register answered {(int)registered.StatusCode}; giving up");
                return 1;
            }
            var id = ids.First();

            while (true)
            {
                using var next = new HttpRequestMessage(HttpMethod.Get, "event/next");
                next.Headers.Add("Lambda-Extension-Identifier", id);
                using var answer = await http.SendAsync(next);
                var body = await answer.Content.ReadAsStringAsync();
                if (!answer.IsSuccessStatusCode)
                {
                    Console.Error.WriteLine($"floor: /next answered {(int)answer.StatusCode}; exiting");
                    return 1;
                }
                // A substring test is enough here and keeps JSON parsing out of the floor's cost.
                if (body.Contains("\"SHUTDOWN\"", StringComparison.Ordinal)) return 0;
            }
        }
        catch (HttpRequestException error)
        {
            Console.Error.WriteLine($"floor: Extensions API unreachable ({error.Message}); exiting");
            return 1;
        }
    }
}
