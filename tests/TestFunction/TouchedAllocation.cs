using System.Runtime.InteropServices;

namespace Pulse.TestFunction;

/// <summary>
/// Native memory written page by page so that the resident set really grows (an untouched allocation
/// costs nothing). Native, not managed: the GC's heap limit (a share of the cgroup limit) would throw
/// OutOfMemoryException long before the kernel's OOM killer sees the process, and the tests want the kernel.
/// </summary>
internal sealed unsafe class TouchedAllocation : IDisposable
{
    private const int ChunkBytes = 1024 * 1024;
    private const int PageBytes = 4096;
    private readonly List<nint> _chunks = [];

    public int Megabytes => _chunks.Count;

    public static TouchedAllocation Allocate(int megabytes)
    {
        var allocation = new TouchedAllocation();
        try
        {
            for (var i = 0; i < megabytes; i++)
            {
                var chunk = (byte*)NativeMemory.Alloc(ChunkBytes);
                allocation._chunks.Add((nint)chunk);
                for (var offset = 0; offset < ChunkBytes; offset += PageBytes) chunk[offset] = (byte)(offset / PageBytes + 1);
            }
        }
        catch
        {
            allocation.Dispose();
            throw;
        }
        return allocation;
    }

    public void Dispose()
    {
        foreach (var chunk in _chunks) NativeMemory.Free((void*)chunk);
        _chunks.Clear();
    }
}
