using Vigil.Core.Storage;

namespace Vigil.Tsdb;

public sealed partial class TsdbStorage
{
    private void OpenBlocks()
    {
    }

    private void CloseBlocks()
    {
    }

    private void StartMaintenance()
    {
    }

    private void StopMaintenance()
    {
    }

    /// <inheritdoc />
    public long StartTime => Head.MinTime;

    /// <inheritdoc />
    public IQuerier Querier(long mint, long maxt)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Head.Querier(mint, maxt);
    }
}
