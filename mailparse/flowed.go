package mailparse

import "strings"

// unflow joins the soft line breaks of format=flowed text (RFC 3676). s has
// LF line breaks. With delSp (DelSp=yes, section 4.2) the space that marks a
// soft break is deleted too. Quoted lines keep their quote depth as a run of
// '>' and a space, so that the quote splitter still sees them.
func unflow(s string, delSp bool) string {
	var (
		out   []string
		para  strings.Builder // the paragraph being joined
		depth = -1            // its quote depth, -1 when none is open
	)
	flush := func() {
		if depth > 0 {
			out = append(out, strings.Repeat(">", depth)+" "+para.String())
		} else if depth == 0 {
			out = append(out, para.String())
		}
		para.Reset()
		depth = -1
	}
	for line := range strings.SplitSeq(s, "\n") {
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		line = line[d:]
		line = strings.TrimPrefix(line, " ") // section 4.4: space-stuffing
		if depth >= 0 && d != depth {
			flush() // section 4.5: a change of quote depth ends a paragraph
		}
		// Section 4.3: the signature separator is never flowed.
		soft := strings.HasSuffix(line, " ") && line != "-- "
		if soft && delSp {
			line = line[:len(line)-1]
		}
		depth = d
		para.WriteString(line)
		if !soft {
			flush()
		}
	}
	flush()
	return strings.Join(out, "\n")
}
