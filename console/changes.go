package console

import (
	"context"

	"github.com/ticketd/ticketd/store"
)

// storeChanges is the change feed of a Store.
type storeChanges struct{ st Changes }

func (c storeChanges) latest(ctx context.Context) (int64, error) { return c.st.LatestVersion(ctx) }

func (c storeChanges) changed(ctx context.Context, after int64, limit int) ([]change, error) {
	ts, err := c.st.ChangedTickets(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	cs := make([]change, len(ts))
	for i, t := range ts {
		cs[i] = changeOf(t)
	}
	return cs, nil
}

// changeOf is the change a ticket's current version makes.
func changeOf(t store.Ticket) change { return change{Number: t.Number, Version: t.Version} }
