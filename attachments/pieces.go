package attachments

// Pieces are the bytes of a file held as the slices it is made of, in
// order. A display copy is its original without a few segments, so it is
// kept as slices of the original rather than as a second copy of the
// picture; a letter carrying 18 MB of photos needs no 18 MB more for their
// display copies. Bytes joins the pieces where one slice is needed.
type Pieces [][]byte

// Len is the length of the file.
func (p Pieces) Len() int {
	n := 0
	for _, b := range p {
		n += len(b)
	}
	return n
}

// Bytes returns the file as one slice: the piece itself when there is only
// one, else a joined copy; nil when there are no pieces.
func (p Pieces) Bytes() []byte {
	switch len(p) {
	case 0:
		return nil
	case 1:
		return p[0]
	}
	out := make([]byte, 0, p.Len())
	for _, b := range p {
		out = append(out, b...)
	}
	return out
}
