package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// writebackChunk is the step in which a Put hands its file's pages to the
// disk while it is still receiving the rest.
const writebackChunk = 8 << 20

// writebackLag is the number of chunks that may be on their way to the
// disk before a Put waits for the oldest: it bounds the dirty pages of one
// Put to about writebackLag+1 chunks.
const writebackLag = 4

// writeback writes a new file and starts writing its pages to the disk as
// they fill (sync_file_range(2)), so that the disk works while the rest of
// the content still arrives: without it, the kernel starts writing only
// when the dirty pages reach its background threshold (by default a tenth
// of the memory), and the closing fsync writes a large upload whole while
// the uploader waits, adding the disk's time to the network's instead of
// overlapping them. Waiting for chunks writebackLag behind keeps a fast
// sender from filling the page cache with dirty pages. sync_file_range
// makes nothing durable: Put still fsyncs the file; the fsync only has the
// last chunks left to write. Errors of the hints are ignored (some file
// systems do not support them); the fsync reports what matters.
type writeback struct {
	f       *os.File
	fd      int
	off     int64 // bytes written
	started int64 // bytes whose writing has been started
	waited  int64 // bytes known written
}

func newWriteback(f *os.File) *writeback { return &writeback{f: f, fd: int(f.Fd())} }

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.started >= writebackChunk {
		_ = unix.SyncFileRange(w.fd, w.started, w.off-w.started, unix.SYNC_FILE_RANGE_WRITE)
		w.started = w.off
		if old := w.started - writebackLag*writebackChunk; old > w.waited {
			_ = unix.SyncFileRange(w.fd, w.waited, old-w.waited,
				unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
			w.waited = old
		}
	}
	return n, err
}
