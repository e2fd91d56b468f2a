namespace Pulse.Emulator.Telemetry;

/// <summary>Frozen or thawed: telemetry is delivered only while the sandbox runs.</summary>
public sealed class FreezeGate
{
    private readonly object _lock = new();
    private TaskCompletionSource _thawed = NewThawed(true);

    private static TaskCompletionSource NewThawed(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult();
        return tcs;
    }

    public bool IsFrozen { get { lock (_lock) return !_thawed.Task.IsCompleted; } }

    public void SetFrozen()
    {
        lock (_lock) if (_thawed.Task.IsCompleted) _thawed = NewThawed(false);
    }

    public void SetThawed()
    {
        lock (_lock) _thawed.TrySetResult();
    }

    public Task WaitThawedAsync(CancellationToken cancel)
    {
        Task task;
        lock (_lock) task = _thawed.Task;
        return task.IsCompleted ? task : task.WaitAsync(cancel);
    }
}
