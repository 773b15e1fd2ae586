package console

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ticketd/ticketd/store"
)

// anyValue in the category or assignee select means "do not filter".
// Neither a category nor a user name (accounts.CheckName) can be "*".
const anyValue = "*"

// Limits of the queue's query parameters.
const (
	maxFilterValues = 20  // values of one parameter
	maxValueLen     = 64  // bytes of a category or user name
	maxSearchLen    = 200 // bytes of the search box
	maxSearchWords  = 8   // words of the search box, as store.TicketFilter.Search takes
	maxCursorLen    = 200
	apiMaxLimit     = 200 // tickets per page of GET /api/v1/tickets
)

// statusOrder is every status, in the order pages list them.
func statusOrder() []store.Status {
	return []store.Status{store.StatusNew, store.StatusInProgress, store.StatusWaiting, store.StatusAnswered, store.StatusClosed}
}

// queueStatuses are the statuses the queue shows when none is asked for:
// the tickets waiting on the support desk or the citizen.
func queueStatuses() []store.Status {
	return []store.Status{store.StatusNew, store.StatusInProgress, store.StatusWaiting}
}

// categories are the triage categories the filter offers ("" is none).
func categories() []string {
	return []string{"technical_error", "service_question", "recommendation", "status_request", "complaint", "other", ""}
}

// queueQuery is the queue's filter as the query string gave it: the queue
// page, its rows fragment and GET /api/v1/tickets read the same
// parameters, each repeatable: status, priority, category ("" is none),
// assignee ("" is nobody; "*" is anyone), q (search words), after (the
// cursor of the page before) and, for the API, limit.
type queueQuery struct {
	Status   []string
	Priority []string
	Category []string
	Assignee []string
	Q        string
	After    string
	Limit    int
}

// parseQueueQuery reads the filter from v, refusing unknown statuses and
// priorities and oversized values.
func parseQueueQuery(v url.Values) (queueQuery, error) {
	var q queueQuery
	var err error
	if q.Status, err = values(v, "status", func(s string) bool { return store.Status(s).Valid() }); err != nil {
		return q, err
	}
	if q.Priority, err = values(v, "priority", func(s string) bool { return store.Priority(s).Valid() }); err != nil {
		return q, err
	}
	if q.Category, err = values(v, "category", nil); err != nil {
		return q, err
	}
	if q.Assignee, err = values(v, "assignee", nil); err != nil {
		return q, err
	}
	q.Q = strings.TrimSpace(v.Get("q"))
	if len(q.Q) > maxSearchLen {
		return q, fmt.Errorf("q: longer than %d bytes", maxSearchLen)
	}
	if n := len(strings.Fields(q.Q)); n > maxSearchWords {
		return q, fmt.Errorf("q: %d words; at most %d", n, maxSearchWords)
	}
	q.After = v.Get("after")
	if len(q.After) > maxCursorLen {
		return q, fmt.Errorf("after: not a cursor")
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return q, fmt.Errorf("limit: want a positive number")
		}
		q.Limit = min(n, apiMaxLimit)
	}
	return q, nil
}

// values returns the distinct values of parameter name, without anyValue,
// each checked by valid when it is not nil.
func values(v url.Values, name string, valid func(string) bool) ([]string, error) {
	var out []string
	for _, x := range v[name] {
		x = strings.TrimSpace(x)
		if x == anyValue || slices.Contains(out, x) {
			continue
		}
		if len(x) > maxValueLen || (valid != nil && !valid(x)) {
			return nil, fmt.Errorf("%s: unknown value %q", name, x)
		}
		out = append(out, x)
	}
	if len(out) > maxFilterValues {
		return nil, fmt.Errorf("%s: more than %d values", name, maxFilterValues)
	}
	return out, nil
}

// filter is the store's filter of q, in the queue's order: urgent first,
// then by deadline.
func (q queueQuery) filter() store.TicketFilter {
	f := store.TicketFilter{Order: store.OrderQueue, Search: q.Q, After: q.After, Limit: q.Limit, Category: q.Category, Assignee: q.Assignee}
	for _, s := range q.Status {
		f.Status = append(f.Status, store.Status(s))
	}
	if len(f.Status) == 0 {
		f.Status = queueStatuses()
	}
	for _, p := range q.Priority {
		f.Priority = append(f.Priority, store.Priority(p))
	}
	return f
}

// values encodes q without its cursor, as the query string of the queue.
func (q queueQuery) values() url.Values {
	v := url.Values{}
	for _, x := range q.Status {
		v.Add("status", x)
	}
	for _, x := range q.Priority {
		v.Add("priority", x)
	}
	for _, x := range q.Category {
		v.Add("category", x)
	}
	for _, x := range q.Assignee {
		v.Add("assignee", x)
	}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	return v
}

// withStatus returns q filtering on status alone instead of its statuses,
// from its first page: the link of a count.
func (q queueQuery) withStatus(s string) queueQuery {
	q.Status, q.After = []string{s}, ""
	return q
}

// page returns the path and query of q's page after the cursor after
// ("" for the first page).
func (q queueQuery) page(base, after string) string {
	v := q.values()
	if after != "" {
		v.Set("after", after)
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}
