namespace Pulse.Flushing;

/// <summary>
/// Keeps the heap, and so the RSS, small. The GC's default gen0 budget is sized from the CPU cache (many MB),
/// and NativeAOT offers no embedded setting for it (GCgen0size is an environment variable only), so
/// the heap grew to ~27 MB before the first collection. After a flush, once <see cref="Budget"/> bytes were
/// allocated since the last collection, a blocking gen1 collection runs — off the /next path in the
/// default mode, between invocations' work, and only every few hundred invocations.
/// </summary>
public sealed class HeapTrimmer
{
    public const long Budget = 1024 * 1024;
    private long _lastCollectionAt;
    private int _collections;

    public int Collections => Volatile.Read(ref _collections);

    public void AfterFlush()
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        if (allocated - Interlocked.Read(ref _lastCollectionAt) < Budget) return;
        Interlocked.Exchange(ref _lastCollectionAt, allocated);
        Interlocked.Increment(ref _collections);
        GC.Collect(1, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
