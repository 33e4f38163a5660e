"""Sliceable inputs for the streaming and Dask tests."""


class CountingSource:
    """A sliceable array that appends a line to a real file each time it is read."""

    def __init__(self, data, log):
        self.data, self.log = data, log
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim

    def __getitem__(self, index):
        with open(self.log, "a") as handle:
            handle.write("read\n")
        return self.data[index]
