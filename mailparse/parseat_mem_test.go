package mailparse

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// bigLetter is a letter of about 30 MB: a short text, a 25 MB base64
// attachment (18.75 MB decoded) and a 5 MB one sent as it is. It returns
// the letter and the SHA-256 of each attachment's decoded bytes.
func bigLetter() ([]byte, [2][32]byte) {
	rnd := rand.New(rand.NewPCG(1, 2))
	photo := make([]byte, 25<<20/4*3)
	for i := range photo {
		photo[i] = byte(rnd.Uint32())
	}
	log := bytes.Repeat([]byte("2024-03-01 10:00:00 pump 3 pressure 4.2 bar ok\n"), 5<<20/48)
	var b bytes.Buffer
	b.WriteString("From: Иван <ivan@example.ru>\r\nSubject: photos\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"==b==\"\r\n\r\n--==b==\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Фото протечки во вложении.\r\n--==b==\r\nContent-Type: image/jpeg; name=leak.jpg\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(photo)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteString("\r\n--==b==\r\nContent-Type: text/plain; name=pump.log\r\nContent-Disposition: attachment\r\n\r\n")
	b.Write(log)
	b.WriteString("--==b==--\r\n")
	// The line break before a delimiter belongs to the delimiter.
	return b.Bytes(), [2][32]byte{sha256.Sum256(photo), sha256.Sum256(log[:len(log)-1])}
}

// allocSites returns the memory profile by allocation site: bytes and
// objects allocated since the program started, as of the last GC.
func allocSites() map[[32]uintptr][2]int64 {
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	out := make(map[[32]uintptr][2]int64, len(recs))
	for _, r := range recs {
		out[r.Stack0] = [2]int64{r.AllocBytes, r.AllocObjects}
	}
	return out
}

// TestParseAtHoldsNoLetter parses a 30 MB letter with ParseAt and reads
// its parts through Open, checking that no read is longer than a window
// and that no allocation made meanwhile holds 4 MiB or more: the letter
// and its attachments stay in the source. The memory profile records
// every allocation (runtime.MemProfileRate = 1) so that none is missed.
func TestParseAtHoldsNoLetter(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 30 MB letter")
	}
	raw, sums := bigLetter()
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = rate }()
	runtime.GC()
	runtime.GC()
	before := allocSites()

	r := newReaderAt(raw)
	l, err := ParseAt(r, int64(len(raw)), nil)
	if err != nil {
		t.Fatalf("ParseAt(30 MB letter) = %v", err)
	}
	if len(l.Parts) != 2 || l.Text != "Фото протечки во вложении." {
		t.Fatalf("ParseAt(30 MB letter) = %d parts, text %q; want 2 parts and the text", len(l.Parts), l.Text)
	}
	for i, p := range l.Parts {
		h := sha256.New()
		n, err := io.Copy(h, p.Open())
		if err != nil || p.Body != nil || n != p.Size || [32]byte(h.Sum(nil)) != sums[i] {
			t.Errorf("part %d (%s): Body %d bytes, Open reads %d bytes (Size %d), %v, sum %x; want Body nil and the sum %x",
				i, p.Filename, len(p.Body), n, p.Size, err, h.Sum(nil), sums[i])
		}
	}

	runtime.GC()
	runtime.GC()
	after := allocSites()
	const big = 4 << 20
	for site, a := range after {
		b := before[site]
		bytes, objects := a[0]-b[0], a[1]-b[1]
		if objects > 0 && bytes/objects >= big {
			t.Errorf("an allocation site made %d objects of %d bytes on average:\n%s", objects, bytes/objects, stack(site))
		}
	}
	if r.longest > window {
		t.Errorf("ParseAt read %d bytes at once, want at most a window (%d)", r.longest, window)
	}
	t.Logf("ParseAt and Open read %d bytes of a %d-byte letter, at most %d at once", r.total, len(raw), r.longest)
}

// stack describes an allocation site.
func stack(site [32]uintptr) string {
	var b bytes.Buffer
	pcs := site[:]
	for len(pcs) > 0 && pcs[len(pcs)-1] == 0 {
		pcs = pcs[:len(pcs)-1]
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function != "" {
			fmt.Fprintf(&b, "\t%s %s:%d\n", f.Function, f.File, f.Line)
		}
		if !more {
			return b.String()
		}
	}
}
