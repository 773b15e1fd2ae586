package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ticketd/ticketd/store"
)

// orderStore is the store with the steps around marking letters on the
// server recorded, each with what the store and the server showed then.
type orderStore struct {
	*store.DB
	t     *testing.T
	f     *fixture
	fail  error // what Durable returns, when set
	steps []string
}

func (o *orderStore) Durable(ctx context.Context) error {
	wm, err := o.DB.Watermark(ctx, "INBOX")
	if err != nil {
		o.t.Fatal(err)
	}
	o.steps = append(o.steps, fmt.Sprintf("durable: stored to %d, %d unseen", wm.LastUID, o.f.unseen(o.t)))
	if o.fail != nil {
		return o.fail
	}
	return o.DB.Durable(ctx)
}

func (o *orderStore) MarkDone(ctx context.Context, mailbox string, uid uint32) error {
	o.steps = append(o.steps, fmt.Sprintf("mark done to %d: %d unseen", uid, o.f.unseen(o.t)))
	return o.DB.MarkDone(ctx, mailbox, uid)
}

// unseen counts the letters in INBOX without \Seen, asking the server
// over a connection of its own.
func (f *fixture) unseen(t *testing.T) int {
	t.Helper()
	c, err := imapclient.DialInsecure(f.imap.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(f.imap.Username, f.imap.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumUnseen: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return int(*st.NumUnseen)
}

// TestLettersAreDurableBeforeTheyAreMarked: the daemon makes the letters it
// stored durable (Store.Durable) after the commit and before it flags them
// on the server, and records the flagging after that; when they cannot be
// made durable, they are not flagged.
func TestLettersAreDurableBeforeTheyAreMarked(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	o := &orderStore{DB: f.db, t: t, f: f}
	f.d.DB = o
	for i := 1; i <= 3; i++ {
		f.imap.Append("INBOX", letter(fmt.Sprintf("c%d@example.ru", i), "Вопрос", fmt.Sprintf("m%d@x", i), "Текст"))
	}

	o.fail = errors.New("disk on fire")
	if _, err := f.d.Poll(ctx); !errors.Is(err, o.fail) {
		t.Errorf("Poll with the store failing to make letters durable = %v, want that error", err)
	}
	if want := []string{"durable: stored to 3, 3 unseen"}; !slices.Equal(o.steps, want) {
		t.Errorf("steps = %q, want %q: the letters stored, none flagged", o.steps, want)
	}
	if wm, _ := f.db.Watermark(ctx, "INBOX"); wm.LastUID != 3 || wm.DoneUID != 0 {
		t.Errorf("watermark = %+v, want 3 stored, none marked", wm)
	}

	// The next poll finds them stored but not marked (as after a crash
	// before the flag), and makes them durable first.
	o.fail, o.steps = nil, nil
	if n, err := f.d.Poll(ctx); err != nil || n != 0 {
		t.Fatalf("Poll = %d, %v; want 0 new letters, no error", n, err)
	}
	if want := []string{"durable: stored to 3, 3 unseen", "mark done to 3: 0 unseen"}; !slices.Equal(o.steps, want) {
		t.Errorf("steps = %q, want %q", o.steps, want)
	}

	// Letters that arrive now: stored, durable, flagged, recorded.
	o.steps = nil
	f.imap.Append("INBOX", letter("c4@example.ru", "Вопрос", "m4@x", "Текст"))
	f.imap.Append("INBOX", letter("c5@example.ru", "Вопрос", "m5@x", "Текст"))
	if n, err := f.d.Poll(ctx); err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v; want 2", n, err)
	}
	if want := []string{"durable: stored to 5, 2 unseen", "mark done to 5: 0 unseen"}; !slices.Equal(o.steps, want) {
		t.Errorf("steps = %q, want %q", o.steps, want)
	}
	if c := f.counts(t); c.Tickets != 5 {
		t.Errorf("%d tickets, want 5: none stored twice", c.Tickets)
	}
}
