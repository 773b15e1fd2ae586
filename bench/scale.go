package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// scale measures the ingest-only cost per letter at several mailbox sizes,
// each read into a fresh database, and then, over the largest, the cost of
// 1,000 more letters on top of it: with a flat cost both stay the same as
// the mailbox and the database grow.
func (l *lab) scale(ctx context.Context, out io.Writer, gen *generator, sizes []int) (*Scale, error) {
	res := &Scale{}
	next := 1_000_000 // letter numbers, so senders differ from the other runs
	deliver := func(mailbox string, n int) error {
		for n > 0 {
			chunk := min(n, 2000)
			raws := make([][]byte, chunk)
			for i := range raws {
				raws[i], _ = gen.small(next)
				next++
			}
			if err := l.dovecot.Deliver(mailbox, raws...); err != nil {
				return err
			}
			n -= chunk
		}
		return nil
	}
	for i, k := range sizes {
		mailbox := fmt.Sprintf("Scale%d", k)
		if err := deliver(mailbox, k); err != nil {
			return nil, err
		}
		down, n, _, err := l.download(mailbox)
		if err != nil {
			return nil, err
		}
		p, err := l.inProcess(ctx, mailbox, 1)
		if err != nil {
			return nil, err
		}
		took, err := p.poll(ctx, n, "")
		if err != nil {
			p.close()
			return nil, err
		}
		pt := ScalePoint{
			Letters: k, IngestS: took.Seconds(), PerLetterMS: ms(took) / float64(k),
			DownloadPerLetterMS: ms(down) / float64(k),
		}
		fmt.Fprintf(out, "scale: %6d letters: ingest only %7.2f s, %.3f ms per letter (download %.4f ms per letter)",
			k, pt.IngestS, pt.PerLetterMS, pt.DownloadPerLetterMS)
		if i == len(sizes)-1 {
			const more = 1000
			if err := deliver(mailbox, more); err != nil {
				p.close()
				return nil, err
			}
			took, err := p.poll(ctx, more, "")
			if err != nil {
				p.close()
				return nil, err
			}
			res.Marginal = &Marginal{Stored: k, Letters: more, PerLetterMS: ms(took) / more}
			fmt.Fprintf(out, "; %d more on top: %.3f ms per letter", more, res.Marginal.PerLetterMS)
		}
		pt.DatabaseMB = fileMB(p.path, p.path+"-wal")
		fmt.Fprintf(out, "; database %.0f MB\n", pt.DatabaseMB)
		p.close()
		res.Points = append(res.Points, pt)
	}
	return res, nil
}

// fileMB is the total size of the files that exist among paths, in MiB.
func fileMB(paths ...string) float64 {
	var n int64
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / (1 << 20)
}
