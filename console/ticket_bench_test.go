package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/accounts"
	"github.com/ticketd/ticketd/replies"
	"github.com/ticketd/ticketd/store"
	"github.com/ticketd/ticketd/templates"
)

// BenchmarkTicketPage serves the page of a ticket of 50 letters (half of
// them the hostile HTML letter with a screenshot and a refused file)
// through the whole handler, as an operator: the issue asks for under
// 30 ms.
func BenchmarkTicketPage(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Now()
	tk, _, _ := hostileInto(b, db, now, 0)
	for i := 1; i < 50; i++ {
		if i%2 == 0 {
			hostileInto(b, db, now, tk.ID)
			continue
		}
		id := fmt.Sprintf("bench-%d@example.ru", i)
		ingestInto(b, db, now, inLetter{raw: plainLetter(id, "Добрый день! Письмо "+fmt.Sprint(i)+".\n\n> цитата"), messageID: id, ticketID: tk.ID})
	}
	if msgs, _ := db.Messages(ctx, tk.ID); len(msgs) != 50 {
		b.Fatalf("%d letters, want 50", len(msgs))
	}
	acc := &accounts.Service{Store: db, Params: accounts.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}}
	if _, err := acc.Add(ctx, "bench", accounts.RoleOperator, testPassword, "bench"); err != nil {
		b.Fatal(err)
	}
	set, err := templates.Load("", nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Store: db, Accounts: acc, Templates: set,
		Operator: &replies.Operator{Tickets: db, Templates: set, From: mail.Address{Address: "support@example.ru"}}})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	w := httptest.NewRecorder()
	login := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {"bench"}, "password": {testPassword}}.Encode()))
	login.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(w, login)
	cookies := w.Result().Cookies()
	if len(cookies) == 0 {
		b.Fatal("no session")
	}
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/tickets/"+tk.Number, nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
