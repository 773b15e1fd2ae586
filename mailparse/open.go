package mailparse

import (
	"bytes"
	"io"
)

// Open returns a reader of the part's decoded content: Body when it is
// set, else the part's bytes in the source given to ParseAt, decoded as
// they are read. Each call returns a new reader from the start; readers
// may be used at the same time from different goroutines. A failure to
// read the source is returned by the reader's Read.
func (p Part) Open() io.Reader {
	if p.Body != nil || p.lazy == nil {
		return bytes.NewReader(p.Body)
	}
	return p.lazy.open()
}
