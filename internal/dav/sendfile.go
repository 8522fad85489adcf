package dav

import "io"

// ReadFrom passes io.Copy through to the connection's ReadFrom, which sends
// a document's file with sendfile(2) (see fastGet) instead of copying it
// through user space.
func (s *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	s.wrote = true
	if rf, ok := s.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{s.ResponseWriter}, r)
}
