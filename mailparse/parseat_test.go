package mailparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// readerAt is an io.ReaderAt over bytes that records the longest read and
// fails every read that reaches past failAt (when failAt >= 0) with
// errStore.
type readerAt struct {
	b       []byte
	failAt  int64
	mu      sync.Mutex
	longest int
	total   int64
}

// errStore stands for a failure of the store under a spool.
var errStore = errors.New("store: piece 7 unreadable")

func newReaderAt(b []byte) *readerAt { return &readerAt{b: b, failAt: -1} }

func (r *readerAt) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	r.longest = max(r.longest, len(p))
	r.total += int64(len(p))
	r.mu.Unlock()
	if r.failAt >= 0 && off+int64(len(p)) > r.failAt {
		return 0, errStore
	}
	if off >= int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// sameLetter reports how the results of Parse and ParseAt over the same
// bytes differ, "" when they do not. Parts are compared by their fields
// and by what Open reads.
func sameLetter(want *Letter, wantErr error, got *Letter, gotErr error) string {
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		return fmt.Sprintf("error %v, want %v", gotErr, wantErr)
	}
	if (want == nil) != (got == nil) {
		return fmt.Sprintf("letter %v, want %v", got, want)
	}
	if want == nil {
		return ""
	}
	w, g := *want, *got
	w.Parts, g.Parts = nil, nil
	if !reflect.DeepEqual(w, g) {
		return fmt.Sprintf("letter\n%+v\nwant\n%+v", g, w)
	}
	if len(want.Parts) != len(got.Parts) {
		return fmt.Sprintf("%d parts, want %d", len(got.Parts), len(want.Parts))
	}
	for i := range want.Parts {
		wp, gp := want.Parts[i], got.Parts[i]
		if wp.Size != int64(len(wp.Body)) {
			return fmt.Sprintf("Parse part %d: Size %d for %d bytes", i, wp.Size, len(wp.Body))
		}
		gb, err := io.ReadAll(gp.Open())
		if err != nil {
			return fmt.Sprintf("part %d: Open: %v", i, err)
		}
		if !bytes.Equal(gb, wp.Body) {
			return fmt.Sprintf("part %d: Open reads %d bytes %.60q, want %d bytes %.60q", i, len(gb), gb, len(wp.Body), wp.Body)
		}
		if gp.Size != int64(len(gb)) {
			return fmt.Sprintf("part %d: Size %d, Open reads %d bytes", i, gp.Size, len(gb))
		}
		wp.Body, gp.Body, gp.lazy = nil, nil, nil
		if !reflect.DeepEqual(wp, gp) {
			return fmt.Sprintf("part %d = %+v, want %+v", i, gp, wp)
		}
	}
	return ""
}

// checkParseAt compares Parse and ParseAt (reading win bytes at a time)
// over raw, and Fingerprint and FingerprintAt.
func checkParseAt(t *testing.T, name string, raw []byte, lim *Limits, win int) {
	t.Helper()
	want, wantErr := Parse(raw, lim)
	got, gotErr := parseAt(newReaderAt(raw), int64(len(raw)), lim, win)
	if d := sameLetter(want, wantErr, got, gotErr); d != "" {
		t.Errorf("%s: ParseAt (window %d) differs from Parse: %s", name, win, d)
	}
	sum, err := fingerprint(&source{r: newReaderAt(raw), size: int64(len(raw)), win: win})
	if want := Fingerprint(raw); sum != want || err != nil {
		t.Errorf("%s: FingerprintAt (window %d) = %s, %v, want %s", name, win, sum, err, want)
	}
}

// streamSeeds are messages that reach the decoders and the scanners of
// ParseAt where a window ends.
func streamSeeds() map[string][]byte {
	long := strings.Repeat("A", 5000)
	return map[string][]byte{
		"base64 junk and runs":                []byte("Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\nRE=VG\r\n*!QUJ=Dx\r\n"),
		"base64 label on text":                []byte("Content-Type: application/octet-stream; name=a\nContent-Transfer-Encoding: base64\n\nthis is not base64 at all! really (not)\n"),
		"qp padding and junk":                 []byte("Content-Type: application/x-foo; name=q\nContent-Transfer-Encoding: quoted-printable\n\na=3D=3d =  \nb \t \r\nc=\r\nd= x=4\n=\n  e\t \n=G1=\n"),
		"uuencode body":                       []byte("Content-Type: application/octet-stream; name=u\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 u\n#86)C\nM" + long + "\n$9&5F\r\n`\nend\n"),
		"uuencode long begin":                 []byte("Content-Type: application/octet-stream; name=u\nContent-Transfer-Encoding: uuencode\n\nbegin 644 " + long + "\n#86)C  \r \nM" + long + "\x01\n"),
		"multipart with identity and unknown": []byte("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\npre\n--b1\nContent-Type: text/plain\n\nhello\n--b1  \r\nContent-Type: image/png; name=x.png\nContent-Transfer-Encoding: x-gzip64\n\n" + long + "\n--b1x\n--b1--\nepilogue\n"),
		"forward in base64": []byte("Content-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" +
			"U3ViamVjdDogaW5uZXIKQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9wZGY7IG5hbWU9aS5wZGYKCiVQREYtMS40Cg==\n--z\nContent-Type: message/rfc822\n\nSubject: seven bit\nContent-Type: application/zip; name=z.zip\n\nPK\n--z--\n"),
		"bare CR":                   []byte("Subject: cr\rContent-Type: application/x-a; name=a\r\rbody\rline\r"),
		"BOM":                       []byte("\ufeffSubject: bom\nContent-Type: application/x-a; name=a\n\nbody\n"),
		"no header":                 []byte("just some text\nwithout a header " + long),
		"refused header":            []byte("Subject: big\nX-Long: " + long + "\n\nbody"),
		"guessed boundary":          []byte("Content-Type: multipart/mixed\n\n--gb" + strings.Repeat(" ", 300) + "\nContent-Type: application/x-a; name=a\n\nA\n--gb--\n"),
		"dsn returned header":       []byte("Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: text/plain\n\nfailed\n--r\nContent-Type: text/rfc822-headers\nContent-Transfer-Encoding: quoted-printable\n\nMessage-ID: <a=40b>\nSubject: x\n\n--r--\n"),
		"long skipped header lines": []byte("From: a@b.c\n" + strings.Repeat("bad line: x\n", 700) + "Subject: s\nContent-Type: application/x-a; name=a\n\nbody"),
	}
}

func TestParseAtSeeds(t *testing.T) {
	lim := &Limits{MaxHeaderBytes: 4096}
	for name, raw := range streamSeeds() {
		for _, win := range []int{1, 3, 7, 64, window} {
			checkParseAt(t, name, raw, lim, win)
			checkParseAt(t, name, raw, nil, win)
		}
	}
}

func TestParseAtFixtures(t *testing.T) {
	for name, raw := range fixtures(t) {
		for _, win := range []int{5, 100, window} {
			checkParseAt(t, name, raw, nil, win)
		}
	}
}

// TestParseAtCorpus compares Parse and ParseAt over the shared corpus,
// when it is there (CI has it: see loadCorpus).
func TestParseAtCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus is long to read with small windows")
	}
	dir, entries := loadCorpus(t)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.path))
		if err != nil {
			t.Fatal(err)
		}
		for _, win := range []int{61, window} {
			checkParseAt(t, e.path, raw, nil, win)
		}
	}
}

// FuzzParseAt checks that ParseAt, reading a few bytes at a time, gives
// what Parse gives, and FingerprintAt what Fingerprint gives. Seeds: the
// fixtures, streamSeeds and testdata/fuzz/FuzzParseAt.
func FuzzParseAt(f *testing.F) {
	for _, raw := range fixtures(f) {
		f.Add(raw, uint8(13))
	}
	for _, raw := range streamSeeds() {
		f.Add(raw, uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw []byte, win uint8) {
		checkParseAt(t, "fuzz", raw, &fuzzLimits, int(win%64)+1)
	})
}

// FuzzDecoders checks that a part's Open reads exactly what decodeTransfer
// gives, with the same defect and size.
func FuzzDecoders(f *testing.F) {
	for _, raw := range streamSeeds() {
		for cte := range uint8(5) {
			f.Add(raw, cte, uint8(3))
		}
	}
	names := []string{"base64", "quoted-printable", "x-uuencode", "7bit", "x-made-up"}
	f.Fuzz(func(t *testing.T, b []byte, cte, win uint8) {
		name := names[int(cte)%len(names)]
		want, wantDefect := decodeTransfer(name, b)
		src := &source{r: newReaderAt(b), size: int64(len(b)), win: int(win%32) + 1}
		w := &walker{}
		e := entity{h: header{{name: "Content-Transfer-Encoding", value: name}}, body: wholeBody(src)}
		lb := w.measure(e, "", true)
		var gotDefect string
		if len(w.defects) > 0 {
			gotDefect = w.defects[0]
		}
		got, err := io.ReadAll(lb.open())
		if err != nil || !bytes.Equal(got, want) || gotDefect != wantDefect || lb.size != int64(len(want)) {
			t.Fatalf("%s over %q: Open reads %q, %v, defect %q, size %d; want %q, defect %q, size %d",
				name, b, got, err, gotDefect, lb.size, want, wantDefect, len(want))
		}
	})
}

func TestParseAtReadError(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: x\nContent-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nhi\n")
	b.WriteString("--q\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n")
	b.WriteString(strings.Repeat("QUJDRA==\n", 20000))
	b.WriteString("--q--\n")
	raw := []byte(b.String())
	for _, failAt := range []int64{0, 5, 40, 100, 150000, int64(len(raw)) - 3} {
		r := newReaderAt(raw)
		r.failAt = failAt
		l, err := ParseAt(r, int64(len(raw)), nil)
		if !errors.Is(err, errStore) || errors.Is(err, ErrDamaged) || l != nil {
			t.Errorf("ParseAt failing at %d = %v, %v; want nil and an error wrapping %v", failAt, l, err, errStore)
		}
	}
	// A store that fails after the letter was parsed: Open's reader says so.
	r := newReaderAt(raw)
	l, err := ParseAt(r, int64(len(raw)), nil)
	if err != nil || len(l.Parts) != 1 || l.Parts[0].Body != nil {
		t.Fatalf("ParseAt = %+v, %v; want one part left in the source", l, err)
	}
	r.failAt = 200
	if n, err := io.Copy(io.Discard, l.Parts[0].Open()); !errors.Is(err, errStore) {
		t.Errorf("reading Open() of a failing source = %d bytes, %v; want an error wrapping %v", n, err, errStore)
	}
	if _, err := FingerprintAt(r, int64(len(raw))); !errors.Is(err, errStore) {
		t.Errorf("FingerprintAt of a failing source = %v, want an error wrapping %v", err, errStore)
	}
}

func TestPartOpenConcurrent(t *testing.T) {
	raw := streamSeeds()["multipart with identity and unknown"]
	raw = append([]byte(nil), raw...)
	want, _ := Parse(raw, nil)
	got, err := ParseAt(newReaderAt(raw), int64(len(raw)), nil)
	if err != nil && !errors.Is(err, ErrDamaged) {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			for i, p := range got.Parts {
				for range 2 { // each Open starts from the beginning
					b, err := io.ReadAll(p.Open())
					if err != nil || !bytes.Equal(b, want.Parts[i].Body) {
						errs <- fmt.Errorf("part %d: Open reads %.40q, %v; want %.40q", i, b, err, want.Parts[i].Body)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestPartSize(t *testing.T) {
	tests := []struct {
		name string
		part Part
		want string
	}{
		{"body", Part{Body: []byte("abc")}, "abc"},
		{"nothing", Part{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := io.ReadAll(tt.part.Open())
			if err != nil || string(b) != tt.want {
				t.Errorf("Part%+v.Open() reads %q, %v; want %q", tt.part, b, err, tt.want)
			}
		})
	}
	l, _ := Parse(fixtures(t)["outlook-express-uuencoded-attachment"], nil)
	if len(l.Parts) == 0 || l.Parts[0].Size != int64(len(l.Parts[0].Body)) || l.Parts[0].Size == 0 {
		t.Errorf("Parse: uuencoded part %+v, want Size = len(Body) > 0", l.Parts)
	}
}
