package daemon

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestFetchIntoReadsEachLetterOnce(t *testing.T) {
	f := newFixture(t)
	big := letter("a@example.ru", "Скриншоты", "big@x", strings.Repeat("строка письма\r\n", 100000))
	small := letter("b@example.ru", "Вопрос", "small@x", "Текст")
	for _, raw := range [][]byte{big, small} {
		if err := f.imap.Append("INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	s, err := f.d.open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	var set imap.UIDSet
	set.AddRange(1, 2)
	got := map[imap.UID][]byte{}
	if err := fetchInto(s, set, wholeLetter, got); err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[imap.UID][]byte{1: big, 2: small} {
		b := got[uid]
		if !bytes.Equal(b, want) {
			t.Errorf("fetchInto: uid %d = %d bytes, want the %d bytes appended", uid, len(b), len(want))
		}
		if cap(b) != len(b) {
			t.Errorf("fetchInto: uid %d holds %d bytes in a buffer of %d, want exact", uid, len(b), cap(b))
		}
	}
}
