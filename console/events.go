package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Timing of an event stream.
const (
	heartbeatEvery = 20 * time.Second // a comment line, so proxies keep the stream open
	recheckEvery   = time.Minute      // the session is checked again: a disabled user's stream ends
	catchUpLimit   = 100              // changes replayed to a stream that reconnects; more: resync
	retryMillis    = 3000             // how soon the browser reconnects
)

// events serves the live updates as server-sent events: GET /events, with
// ticket=NUMBER on a ticket page (for the list of who has it open), and
// after=VERSION, the latest version when the page was read, so that the
// changes between reading the page and opening the stream are sent too.
// Events:
//
//	ticket    {"number": "TKT-000123", "version": 42}  a ticket changed; id is the version
//	presence  {"number": "TKT-000123", "viewers": ["anna", "oleg"]}  on a ticket page
//	resync    {}  events were lost: reload what the page shows
//
// A browser reconnecting with Last-Event-ID first gets the changes it
// missed, as a first connection with after= does.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	if len(ticket) > maxValueLen {
		s.fail(w, r, http.StatusBadRequest, "error.bad_request")
		return
	}
	u := currentUser(r)
	sub, err := s.feed.subscribe(r.Context(), u.Name, ticket)
	if errors.Is(err, errTooManyStreams) {
		w.Header().Set("Retry-After", "30")
		s.fail(w, r, http.StatusServiceUnavailable, "error.too_many")
		return
	}
	defer s.feed.unsubscribe(sub)

	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // the stream outlives the server's WriteTimeout; an error means there is none
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprintf(w, "retry: %d\n\n", retryMillis); err != nil {
		return
	}
	if err := s.catchUp(w, r); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}

	heartbeat := time.NewTicker(heartbeatEvery)
	defer heartbeat.Stop()
	recheck := time.NewTicker(s.recheck)
	defer recheck.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-s.feed.stopped:
			return
		case e := <-sub.events:
			err = writeEvent(w, e)
		case <-heartbeat.C:
			_, err = io.WriteString(w, ": ping\n\n")
		case <-recheck.C:
			if _, serr := s.store.SessionUser(r.Context(), s.sessionHash(r), s.idle); serr != nil {
				return // signed out, disabled or idle: the browser's reconnection gets 401
			}
		}
		if err == nil && sub.lost.Swap(false) {
			err = writeEvent(w, event{name: "resync", data: struct{}{}})
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

// catchUp sends the changes after the stream's Last-Event-ID, or its
// after= when it has none, or resync when they are too many.
func (s *Server) catchUp(w io.Writer, r *http.Request) error {
	id := r.Header.Get("Last-Event-ID")
	if id == "" {
		id = r.URL.Query().Get("after")
	}
	if id == "" || s.feed.source == nil {
		return nil
	}
	after, err := strconv.ParseInt(id, 10, 64)
	if err != nil || after < 0 {
		return nil
	}
	cs, err := s.feed.source.changed(r.Context(), after, catchUpLimit)
	if err != nil || len(cs) == catchUpLimit {
		return writeEvent(w, event{name: "resync", data: struct{}{}})
	}
	for _, c := range cs {
		if err := writeEvent(w, event{name: "ticket", id: c.Version, data: c}); err != nil {
			return err
		}
	}
	return nil
}

// writeEvent writes e in the text/event-stream format.
func writeEvent(w io.Writer, e event) error {
	data, err := json.Marshal(e.data)
	if err != nil {
		return err
	}
	if e.id > 0 {
		_, err = fmt.Fprintf(w, "event: %s\nid: %d\ndata: %s\n\n", e.name, e.id, data)
	} else {
		_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, data)
	}
	return err
}

// viewers returns the users who have ticket open in a browser now (their
// pages hold an event stream with ticket=NUMBER), for the ticket page's
// #viewers; the presence events keep it current.
func (s *Server) viewers(ticket string) []string { return s.feed.viewers(ticket) }
