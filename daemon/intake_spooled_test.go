package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/mailparse"
	"github.com/ticketd/ticketd/triage"
)

// memKeeper keeps files in memory, checking each is what its sum says.
type memKeeper struct {
	mu    sync.Mutex
	files map[string][]byte
	fail  error
}

func (k *memKeeper) PutFile(_ context.Context, sum string, size int64, r io.Reader) error {
	if k.fail != nil {
		return k.fail
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum || int64(len(b)) != size {
		return fmt.Errorf("file of %d bytes %x given as %d bytes %s", len(b), got, size, sum)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.files == nil {
		k.files = map[string][]byte{}
	}
	k.files[sum] = b
	return nil
}

// intakeLetters are letters of every kind the parser's and the checks'
// tests keep: real clients' mail, damaged MIME, and the test images and
// PDFs (allowed, refused, hostile) attached to a letter each.
func intakeLetters(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	emls, _ := filepath.Glob("../mailparse/testdata/*.eml")
	for _, p := range emls {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	files, _ := filepath.Glob("../attachments/testdata/*.*")
	for _, p := range files {
		switch filepath.Ext(p) {
		case ".go", ".sh":
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = attachmentLetter(filepath.Base(p), b)
	}
	if len(out) < 50 {
		t.Fatalf("only %d test letters found", len(out))
	}
	return out
}

func attachmentLetter(name string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: a@example.ru\r\nSubject: file\r\nMessage-ID: <%s@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain\r\n\r\nФайл во вложении.\r\n--b\r\nContent-Type: application/octet-stream\r\n"+
		"Content-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
		name, name, base64.StdEncoding.EncodeToString(data))
	return b.Bytes()
}

// TestUnderstandAtAgreesWithUnderstand reads each test letter both ways:
// whole (Understand) and from a reader, storing files as it goes
// (UnderstandAt). The letter, fields and verdicts must be the same, and
// every file, thumbnail and display copy must be stored under its sum.
func TestUnderstandAtAgreesWithUnderstand(t *testing.T) {
	in := &Intake{Rules: triage.DefaultRules(), Policy: attachments.DefaultPolicy(), Limits: mailparse.DefaultLimits()}
	ctx := context.Background()
	for name, raw := range intakeLetters(t) {
		t.Run(name, func(t *testing.T) {
			whole := in.Understand(ctx, raw)
			keep := &memKeeper{}
			at := in.UnderstandAt(ctx, bytes.NewReader(raw), int64(len(raw)), keep)
			if at.Err != nil {
				t.Fatalf("UnderstandAt: %v", at.Err)
			}
			if whole.Note != at.Note || whole.Fingerprint != at.Fingerprint || !reflect.DeepEqual(whole.Fields, at.Fields) {
				t.Errorf("note, fingerprint or fields differ:\n whole %q %s %+v\n at    %q %s %+v",
					whole.Note, whole.Fingerprint, whole.Fields, at.Note, at.Fingerprint, at.Fields)
			}
			if whole.Letter.Text != at.Letter.Text || whole.Letter.Subject != at.Letter.Subject || len(whole.Letter.Parts) != len(at.Letter.Parts) {
				t.Errorf("letters differ")
			}
			if len(whole.Verdicts) != len(at.Verdicts) || len(at.Kept) != len(at.Verdicts) {
				t.Fatalf("%d verdicts whole, %d read from the reader with %d kept", len(whole.Verdicts), len(at.Verdicts), len(at.Kept))
			}
			for i, w := range whole.Verdicts {
				a := at.Verdicts[i]
				if a.Thumbnail != nil || a.Display != nil {
					t.Errorf("file %d: UnderstandAt's verdict still holds pictures", i+1)
				}
				checkKept(t, keep, whole.Letter.Parts[i].Body, w.SHA256, "file")
				checkKept(t, keep, w.Thumbnail, at.Kept[i].Thumbnail, "thumbnail")
				checkKept(t, keep, w.Display.Bytes(), at.Kept[i].Display, "display copy")
				w.Thumbnail, w.Display = nil, nil
				if !reflect.DeepEqual(w, a) {
					t.Errorf("file %d: verdicts differ:\n whole %+v\n at    %+v", i+1, w, a)
				}
			}
		})
	}
}

// checkKept checks that want was kept under sum ("" when want is empty).
func checkKept(t *testing.T, k *memKeeper, want []byte, sum, what string) {
	t.Helper()
	if len(want) == 0 && what != "file" {
		if sum != "" {
			t.Errorf("%s: none, but kept as %s", what, sum)
		}
		return
	}
	if got, ok := k.files[sum]; !ok || !bytes.Equal(got, want) {
		t.Errorf("%s of %d bytes not kept under %s (kept: %v, %d bytes)", what, len(want), sum, ok, len(got))
	}
}

// failingReader fails every read past off.
type failingReader struct {
	r   io.ReaderAt
	off int64
}

var errDisk = errors.New("disk I/O error")

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.off {
		return 0, errDisk
	}
	return f.r.ReadAt(p, off)
}

// TestUnderstandAtReportsWhatItCouldNotRead checks that a letter whose
// bytes cannot be read back, or whose files cannot be stored, is not taken
// for a damaged letter: Err says it must be read again.
func TestUnderstandAtReportsWhatItCouldNotRead(t *testing.T) {
	in := &Intake{Rules: triage.DefaultRules(), Policy: attachments.DefaultPolicy(), Limits: mailparse.DefaultLimits()}
	raw := attachmentLetter("screenshot.png", bytes.Repeat([]byte("x"), 300<<10))
	ctx := context.Background()
	for _, off := range []int64{0, 200, int64(len(raw) / 2), int64(len(raw) - 10)} {
		u := in.UnderstandAt(ctx, failingReader{bytes.NewReader(raw), off}, int64(len(raw)), &memKeeper{})
		if !errors.Is(u.Err, errDisk) {
			t.Errorf("read failing at %d of %d: Err = %v, want the read error", off, len(raw), u.Err)
		}
		if u.Letter == nil {
			t.Errorf("read failing at %d: no Letter", off)
		}
	}
	u := in.UnderstandAt(ctx, bytes.NewReader(raw), int64(len(raw)), &memKeeper{fail: errDisk})
	if !errors.Is(u.Err, errDisk) || !strings.Contains(u.Err.Error(), "store file 1") {
		t.Errorf("keeper failing: Err = %v, want it naming the file", u.Err)
	}
}
