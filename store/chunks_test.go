package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

// bigValue is n bytes that differ from piece to piece, so that a piece out
// of place shows.
func bigValue(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %08d of a large letter\r\n", i)
	}
	return b.Bytes()[:n]
}

func TestLargeValuesAreStoredInPieces(t *testing.T) {
	for _, key := range []string{"", "0123456789abcdef0123456789abcdef"} {
		name := "plain"
		if key != "" {
			name = "sealed"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := openTest(t)
			if key != "" {
				if err := db.UseKey([]byte(key)); err != nil {
					t.Fatal(err)
				}
			}
			raw := bigValue(2*chunkSize + 12345)
			file := bigValue(chunkSize + 1)
			file[0] = 'F'
			small := []byte("a small file")
			in := inbound("big@x", string(raw), 1)
			in.Attachments = []Attachment{
				{Filename: "scan.pdf", Verdict: VerdictAccepted, Data: file},
				{Filename: "note.txt", Verdict: VerdictRejected, Data: small},
				{Filename: "scan-again.pdf", Verdict: VerdictAccepted, Data: file}, // the same bytes once more
			}
			res, err := db.Ingest(ctx, in, ack)
			if err != nil {
				t.Fatal(err)
			}
			var pieces int
			if err := db.sql.QueryRow("SELECT COUNT(*) FROM chunks").Scan(&pieces); err != nil {
				t.Fatal(err)
			}
			if pieces != 3+2 {
				t.Errorf("%d pieces stored, want 3 for the letter and 2 for the file stored once", pieces)
			}
			ms, err := db.Messages(ctx, res.Ticket.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.Raw(ctx, ms[0].ID)
			if err != nil || !bytes.Equal(got, raw) {
				t.Errorf("letter read back: %d bytes, %v; not the %d stored", len(got), err, len(raw))
			}
			for _, want := range [][]byte{file, small} {
				got, err := db.Blob(ctx, sha256Hex(want))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("Blob of %d bytes read back as %d bytes, %v", len(want), len(got), err)
				}
			}
		})
	}
}

func TestSealedPiecesCannotBeMoved(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.UseKey([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	res, err := db.Ingest(ctx, inbound("big@x", string(bigValue(2*chunkSize+1)), 1), ack)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.sql.QueryRow("SELECT id FROM messages WHERE direction = 'in'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Swap the first two pieces, as someone editing the file might.
	for _, move := range [][2]int{{0, -1}, {1, 0}, {-1, 1}} {
		if _, err := db.sql.Exec("UPDATE chunks SET seq = ? WHERE owner = ? AND seq = ?", move[1], messageOwner(id), move[0]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Messages(ctx, res.Ticket.ID); err != nil {
		t.Errorf("Messages after swapping pieces: %v; want the letters, which do not read the pieces", err)
	}
	_, err = db.Raw(ctx, id)
	if err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("Raw after swapping pieces: %v; want an error that the piece does not open", err)
	}
}

func TestEachChunk(t *testing.T) {
	a, b := bigValue(chunkSize+10), bigValue(chunkSize-4)
	tests := []struct {
		name  string
		value [][]byte
		sizes []int
	}{
		{"empty", nil, nil},
		{"small", [][]byte{[]byte("abc")}, []int{3}},
		{"one slice", [][]byte{a}, []int{chunkSize, 10}},
		{"across slices", [][]byte{b, []byte("xy"), a}, []int{chunkSize, chunkSize, 8}},
	}
	for _, tt := range tests {
		var sizes []int
		var joined []byte
		err := eachChunk(tt.value, func(c []byte) error {
			sizes = append(sizes, len(c))
			joined = append(joined, c...)
			return nil
		})
		if err != nil || fmt.Sprint(sizes) != fmt.Sprint(tt.sizes) || !bytes.Equal(joined, join(tt.value)) {
			t.Errorf("%s: chunks of %v, %v, joined equal %v; want %v", tt.name, sizes, err, bytes.Equal(joined, join(tt.value)), tt.sizes)
		}
	}
}

// A display copy comes as slices of its original; it is stored as their
// concatenation, in pieces when large.
func TestDisplayInSlices(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	orig := bigValue(chunkSize + 5000)
	display := [][]byte{orig[:2], orig[4000:]} // the original without a segment
	in := inbound("photo@x", "raw", 1)
	in.Attachments = []Attachment{{Filename: "IMG.jpg", Verdict: VerdictAccepted, Data: orig, Display: display}}
	if _, err := db.Ingest(ctx, in, nil); err != nil {
		t.Fatal(err)
	}
	want := join(display)
	got, err := db.Blob(ctx, sha256Hex(want))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("display copy read back: %d bytes, %v; want the %d bytes of its slices joined", len(got), err, len(want))
	}
}
