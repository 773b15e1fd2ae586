package daemon

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// refusingBatch refuses the first letter as the store refuses one it
// cannot file as read: with an error that quotes the letter.
type refusingBatch struct {
	knownThreads
	refused bool
}

func (b *refusingBatch) Ingest(_ context.Context, in store.Inbound, _ store.AnswerFunc) (store.Ingested, error) {
	if !b.refused {
		b.refused = true
		return store.Ingested{}, fmt.Errorf("store: ingest %q: insert attachment %q: constraint failed",
			in.MessageID, "СНИЛС 112-233-445 95 от ivan.petrov@example.ru.pdf")
	}
	return store.Ingested{}, nil
}

// TestRefusedLetterIsLoggedMasked: the store's refusal of a letter goes to
// the log with the personal data it quotes masked.
func TestRefusedLetterIsLoggedMasked(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var buf bytes.Buffer
	f.d.Log = slog.New(slog.NewTextHandler(&buf, nil))
	raw := letter("ivan.petrov@example.ru", "СНИЛС 112-233-445 95", "refused@x", "Телефон +7 (912) 345-67-89")
	p := pending{uid: 1, raw: raw}
	if _, err := f.d.take(ctx, &refusingBatch{}, 7, p, f.d.understand(ctx, p)); err != nil {
		t.Fatal(err)
	}
	logged := buf.String()
	if !strings.Contains(logged, "storing it bare") || !strings.Contains(logged, "constraint failed") {
		t.Fatalf("log = %q, want the refusal", logged)
	}
	for _, v := range []string{"112-233-445 95", "ivan.petrov", "345-67-89"} {
		if strings.Contains(logged, v) {
			t.Errorf("log holds %q: %s", v, logged)
		}
	}
}
