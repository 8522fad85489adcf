//go:build !linux

package blob

import "os"

// writeback is the file itself where sync_file_range(2) does not exist;
// see writeback_linux.go.
type writeback struct{ *os.File }

func newWriteback(f *os.File) writeback { return writeback{f} }
