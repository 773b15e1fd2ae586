package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/ticketd/ticketd/mailparse"
)

// partCase is one part judged by CheckPart with its content read through
// an opener, against Check of the same part with its Body.
type partCase struct {
	name string
	part mailparse.Part // with Body
	pol  Policy
}

// partCases are checkCases, and files whose type is told by bytes far
// from their start, each under a policy that makes them too large and one
// that does not.
func partCases(tb testing.TB) []partCase {
	var cs []partCase
	for _, c := range checkCases {
		p := c.part
		p.Body = c.body
		if c.file != "" {
			p.Body = readTestdata(tb, c.file)
		}
		cs = append(cs, partCase{name: c.name, part: p})
	}
	far := []struct {
		name string
		body []byte
	}{
		{"docx, its names past the head", farZIP("word/")},
		{"xlsx, its names past the head", farZIP("xl/")},
		{"zip without office names", farZIP("")},
		{"PE header far from the DOS header", farPE(true)},
		{"MZ without a PE header", farPE(false)},
		{"HEIC brand deep in a long ftyp box", farFtyp(9000, "heic")},
		{"ftyp box longer than the file", farFtyp(1<<20, "avif")},
		{"random bytes", randomBytes(1, 20000)},
		{"text", []byte(strings.Repeat("Здравствуйте! ", 1000))},
	}
	for _, f := range far {
		p := mailparse.Part{ContentType: "application/octet-stream", Body: f.body}
		cs = append(cs, partCase{name: f.name, part: p},
			partCase{name: f.name + ", too large", part: p, pol: Policy{MaxSize: int64(len(f.body)) - 1}})
	}
	screenshot := mailparse.Part{Filename: "screen.png", ContentType: "image/png", Body: readTestdata(tb, "screenshot.png")}
	return append(cs,
		partCase{name: "screenshot of exactly MaxSize", part: screenshot, pol: Policy{MaxSize: int64(len(screenshot.Body))}},
		partCase{name: "screenshot of MaxSize+1", part: screenshot, pol: Policy{MaxSize: int64(len(screenshot.Body)) - 1}},
		partCase{name: "empty", part: mailparse.Part{Filename: "empty.pdf"}},
	)
}

// farZIP is a ZIP archive whose office name, if any, comes after the first
// 4096 bytes, split across the reads of a one-byte reader.
func farZIP(office string) []byte {
	b := append([]byte("PK\x03\x04"), make([]byte, 5000)...)
	b = append(b, "[Content_Types].xml"...)
	b = append(b, make([]byte, 3000)...)
	return append(b, office+"document.xml"...)
}

// farPE is an "MZ" file whose DOS header points past the first 4096
// bytes, to "PE\0\0" when pe is set.
func farPE(pe bool) []byte {
	b := append([]byte("MZ"), make([]byte, 10000)...)
	binary.LittleEndian.PutUint32(b[0x3c:], 9001)
	if pe {
		copy(b[9001:], "PE\x00\x00")
	}
	return b
}

// farFtyp is an ISO BMFF file whose "ftyp" box says it is size bytes long
// and names brand at offset 8000.
func farFtyp(size uint32, brand string) []byte {
	b := make([]byte, 10000)
	binary.BigEndian.PutUint32(b, size)
	copy(b[4:], "ftypmp42")
	for i := 16; i+4 <= len(b); i += 4 {
		copy(b[i:], "isom")
	}
	copy(b[8000:], brand)
	return b
}

func randomBytes(seed uint64, n int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// lazy returns p without Body, its content read through a reader from
// wrap.
func lazy(p mailparse.Part, wrap func(io.Reader) io.Reader) (mailparse.Part, func() io.Reader) {
	body := p.Body
	p.Body, p.Size = nil, int64(len(body))
	return p, func() io.Reader { return wrap(bytes.NewReader(body)) }
}

func TestCheckPartSameAsCheck(t *testing.T) {
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte a read", iotest.OneByteReader},
		{"half a read", iotest.HalfReader},
	}
	for _, c := range partCases(t) {
		for _, n := range []int{1, 4} {
			pol := c.pol.withDefaults()
			want := CheckAll(context.Background(), append(make([]mailparse.Part, n-1), c.part), pol)[n-1]
			t.Run(fmt.Sprintf("%s/part %d/in memory", c.name, n), func(t *testing.T) {
				got := CheckPart(context.Background(), c.part, pol, n)
				if got.Err != nil || !reflect.DeepEqual(got.Verdict, want) || !sameBytes(got.Body, c.part.Body) {
					t.Fatalf("CheckPart = %+v, body of %d bytes, err %v; want Check's %+v, the part's body",
						brief(got.Verdict), len(got.Body), got.Err, brief(want))
				}
			})
			for _, rd := range readers {
				if rd.name == "one byte a read" && len(c.part.Body) > 20000 {
					continue // slow, and no different from the smaller files
				}
				t.Run(fmt.Sprintf("%s/part %d/%s", c.name, n, rd.name), func(t *testing.T) {
					p, open := lazy(c.part, rd.wrap)
					got := checkPart(context.Background(), p, open, pol, n)
					if got.Err != nil || !reflect.DeepEqual(got.Verdict, want) {
						t.Fatalf("CheckPart = %+v, err %v; want Check's %+v", brief(got.Verdict), got.Err, brief(want))
					}
					wantBody := c.part.Body
					if len(wantBody) == 0 || int64(len(wantBody)) > pol.MaxSize {
						wantBody = nil
					}
					if !sameBytes(got.Body, wantBody) {
						t.Errorf("CheckPart.Body = %d bytes, want %d (nil %v)", len(got.Body), len(wantBody), wantBody == nil)
					}
				})
			}
		}
	}
}

// sameBytes is bytes.Equal that tells nil from empty.
func sameBytes(got, want []byte) bool {
	return bytes.Equal(got, want) && (got == nil) == (want == nil)
}

// brief is v without its images, for messages.
func brief(v Verdict) Verdict {
	v.Thumbnail, v.Display = nil, nil
	return v
}

// TestCheckPartThroughParse judges the parts of one letter as the daemon
// does: from mailparse.ParseAt, against CheckAll over mailparse.Parse.
func TestCheckPartThroughParse(t *testing.T) {
	screenshot := readTestdata(t, "screenshot.png")
	pdf := readTestdata(t, "two-pages.pdf")
	opaque := randomBytes(2, 300000)
	var b bytes.Buffer
	b.WriteString("From: a@example.ru\r\nTo: support@example.ru\r\nSubject: files\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nСкриншот.\r\n")
	for _, f := range []struct {
		name, typ string
		body      []byte
	}{{"screen.png", "image/png", screenshot}, {"", "application/pdf", pdf}, {"dump.bin", "application/octet-stream", opaque}} {
		fmt.Fprintf(&b, "--b\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", f.typ, f.name)
		enc := base64.StdEncoding.EncodeToString(f.body)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--b--\r\n")
	raw := b.Bytes()

	src := &breakingReaderAt{r: bytes.NewReader(raw)}
	whole, err := mailparse.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := mailparse.ParseAt(src, int64(len(raw)), nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := Policy{MaxSize: 200000} // the opaque file is too large
	want := CheckAll(context.Background(), whole.Parts, pol)
	if len(streamed.Parts) != len(want) || len(want) != 3 {
		t.Fatalf("Parse gave %d parts, ParseAt %d; want 3", len(want), len(streamed.Parts))
	}
	for i, p := range streamed.Parts {
		if p.Body != nil {
			t.Fatalf("ParseAt part %d has a Body: the test would not read it through Open", i+1)
		}
		got := CheckPart(context.Background(), p, pol, i+1)
		if got.Err != nil || !reflect.DeepEqual(got.Verdict, want[i]) {
			t.Errorf("CheckPart(part %d) = %+v, err %v; want CheckAll's %+v", i+1, brief(got.Verdict), got.Err, brief(want[i]))
		}
		if wantBody := whole.Parts[i].Body; int64(len(wantBody)) <= pol.MaxSize && !bytes.Equal(got.Body, wantBody) {
			t.Errorf("CheckPart(part %d).Body = %d bytes, want the part's %d", i+1, len(got.Body), len(wantBody))
		}
	}
	if want[2].Reason != ReasonTooLarge {
		t.Errorf("CheckAll(opaque part) = %q, want %q", want[2].Reason, ReasonTooLarge)
	}

	// The store under the letter fails: no verdict, an error to retry on.
	src.err = errors.New("store: piece 2 of spool 7: disk I/O error")
	for i, p := range streamed.Parts {
		if got := CheckPart(context.Background(), p, pol, i+1); !errors.Is(got.Err, src.err) || got.Verdict.SHA256 != "" || got.Body != nil {
			t.Errorf("CheckPart(part %d) over a failing source = %+v, body of %d bytes, err %v; want no verdict, no body, an error wrapping %q",
				i+1, brief(got.Verdict), len(got.Body), got.Err, src.err)
		}
	}
}

// breakingReaderAt reads r until err is set, and fails with err from then on.
type breakingReaderAt struct {
	r   io.ReaderAt
	err error
}

func (b *breakingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	return b.r.ReadAt(p, off)
}

// endless is a source that never ends.
type endless struct{}

func (endless) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'A'
	}
	return len(b), nil
}

func TestCheckPartReadFailures(t *testing.T) {
	errStore := errors.New("store: piece 3 of spool 9: disk I/O error")
	body := readTestdata(t, "screenshot.png")
	small, large := Policy{}, Policy{MaxSize: int64(len(body)) / 2}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		pol  Policy
		open func() io.Reader
		want error // Checked.Err wraps it
		size int64 // Part.Size when not 0, else the body's
	}{
		{"negative size", context.Background(), small,
			func() io.Reader { return bytes.NewReader(body) }, errSize, -1},
		{"store fails, held part", context.Background(), small,
			func() io.Reader { return io.MultiReader(bytes.NewReader(body[:1000]), iotest.ErrReader(errStore)) }, errStore, 0},
		{"store fails, streamed part", context.Background(), large,
			func() io.Reader { return io.MultiReader(bytes.NewReader(body[:1000]), iotest.ErrReader(errStore)) }, errStore, 0},
		{"store fails at once", context.Background(), small,
			func() io.Reader { return iotest.ErrReader(errStore) }, errStore, 0},
		{"fewer bytes than Size, held", context.Background(), small,
			func() io.Reader { return bytes.NewReader(body[:len(body)-1]) }, errSize, 0},
		{"fewer bytes than Size, streamed", context.Background(), large,
			func() io.Reader { return bytes.NewReader(body[:len(body)-1]) }, errSize, 0},
		{"more bytes than Size, held", context.Background(), small,
			func() io.Reader { return io.MultiReader(bytes.NewReader(body), strings.NewReader("x")) }, errSize, 0},
		{"endless source, held", context.Background(), small,
			func() io.Reader { return endless{} }, errSize, 0},
		{"endless source, streamed", context.Background(), large,
			func() io.Reader { return endless{} }, errSize, 0},
		{"canceled, held", canceled, small,
			func() io.Reader { return bytes.NewReader(body) }, context.Canceled, 0},
		{"canceled, streamed", canceled, large,
			func() io.Reader { return bytes.NewReader(body) }, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mailparse.Part{Filename: "screen.png", ContentType: "image/png", Size: int64(len(body))}
			if tt.size != 0 {
				p.Size = tt.size
			}
			got := checkPart(tt.ctx, p, tt.open, tt.pol.withDefaults(), 2)
			if !errors.Is(got.Err, tt.want) || !reflect.DeepEqual(got.Verdict, Verdict{}) || got.Body != nil {
				t.Fatalf("CheckPart = %+v, body of %d bytes, err %v; want no verdict, no body, an error wrapping %q",
					brief(got.Verdict), len(got.Body), got.Err, tt.want)
			}
			if !strings.Contains(got.Err.Error(), "part 2") {
				t.Errorf("CheckPart.Err = %q, want it to name part 2", got.Err)
			}
		})
	}
}

// TestCheckPartPastDeadline checks that a deadline, unlike a cancel,
// gives Check's verdict: ReasonBudgetExceeded with the file's facts.
func TestCheckPartPastDeadline(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	body := readTestdata(t, "screenshot.png")
	whole := mailparse.Part{Filename: "screen.png", ContentType: "image/png", Body: body}
	for _, pol := range []Policy{{}, {MaxSize: 1000}} {
		pol = pol.withDefaults()
		want := check(ctx, whole, pol, 1)
		if want.Reason != ReasonBudgetExceeded {
			t.Fatalf("Check past its deadline = %q, want %q", want.Reason, ReasonBudgetExceeded)
		}
		p, open := lazy(whole, func(r io.Reader) io.Reader { return r })
		got := checkPart(ctx, p, open, pol, 1)
		if got.Err != nil || !reflect.DeepEqual(got.Verdict, want) {
			t.Errorf("CheckPart past its deadline, MaxSize %d = %+v, err %v; want Check's %+v", pol.MaxSize, got.Verdict, got.Err, want)
		}
	}
}

// FuzzSniffer asserts that a file written to a sniffer in pieces of any
// sizes is typed as detect types it whole.
func FuzzSniffer(f *testing.F) {
	f.Add([]byte("PK\x03\x04 [Content_Types].xml word/"), uint64(1))
	f.Add(farPE(true), uint64(7))
	f.Add(farFtyp(9000, "heic"), uint64(3))
	f.Add(farFtyp(40, "avis"), uint64(2))
	f.Add([]byte("\x00\x00\x00\x10ftypheic"), uint64(5))
	f.Add([]byte("%PDF-1.7"), uint64(9))
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := newSniffer()
		for rest := b; len(rest) > 0; {
			n := 1 + rng.IntN(min(len(rest), 1+rng.IntN(64)))
			s.Write(rest[:n])
			rest = rest[n:]
		}
		if got, want := detectSample(s.sample()), detect(b); got != want {
			t.Fatalf("detect of a sniffed file = %q, detect(file) = %q", got, want)
		}
	})
}

// TestSnifferEverySplit writes files whose type depends on bytes past the
// head in two pieces, split at every offset, so that each name and header
// is cut at every byte.
func TestSnifferEverySplit(t *testing.T) {
	for _, b := range [][]byte{farZIP("ppt/"), farPE(true), farFtyp(9000, "heix"), farFtyp(60, "avif")[:100]} {
		want := detect(b)
		for k := range len(b) + 1 {
			s := newSniffer()
			s.Write(b[:k])
			s.Write(b[k:])
			if got := detectSample(s.sample()); got != want {
				t.Fatalf("detect of a file sniffed in two pieces split at %d = %q, detect(file) = %q", k, got, want)
			}
		}
	}
}

// TestCheckPartHoldsNoLargePart streams a part of 24 MiB, too large for
// the policy, from a source that holds none of it, and checks that
// CheckPart allocated nothing near its size: its memory does not grow with
// the part.
func TestCheckPartHoldsNoLargePart(t *testing.T) {
	const size = 24 << 20
	seed := [32]byte{'t', 'i', 'c', 'k', 'e', 't', 'd'}
	open := func() io.Reader { return io.LimitReader(rand.NewChaCha8(seed), size) }
	h := sha256.New()
	if _, err := io.Copy(h, open()); err != nil {
		t.Fatal(err)
	}
	p := mailparse.Part{Filename: "dump.bin", ContentType: "application/octet-stream", Size: size}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := checkPart(context.Background(), p, open, DefaultPolicy(), 1)
	runtime.ReadMemStats(&after)
	if got.Err != nil || got.Verdict.Reason != ReasonTooLarge || got.Verdict.Size != size || got.Body != nil {
		t.Fatalf("CheckPart(24 MiB part) = %+v, body of %d bytes, err %v; want too large, no body", got.Verdict, len(got.Body), got.Err)
	}
	if want := hex.EncodeToString(h.Sum(nil)); got.Verdict.SHA256 != want {
		t.Errorf("CheckPart(24 MiB part).SHA256 = %s, want %s", got.Verdict.SHA256, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("CheckPart(24 MiB part) allocated %d bytes, want less than 1 MiB", n)
	}
}
