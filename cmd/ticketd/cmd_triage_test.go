package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ticketd/ticketd/store"
)

// gateLetters say «I cannot get in» in words no rule and no built-in
// letter uses: the wicket gate of the account slammed shut.
var gateLetters = []string{
	"Калитка в кабинет захлопнулась, третий день стою снаружи.\nС уважением, Загоруйко Евлампий, загоруйко.евлампий@example.ru",
	"У меня калитка захлопнулась после обновления, внутрь никак.\nЗагоруйко Евлампий Ильич, тел. +7 912 345-67-89",
	"калитка захлопнулась опять и внутрь не пускает",
	"Здравствуйте. Калитка захлопнулась, стою снаружи с утра.",
	"Калитка захлопнулась! Стою снаружи, что делать.",
	"После смены телефона калитка захлопнулась, внутрь не пускает.",
}

// letterRaw is a plain-text letter with a subject and a body.
func letterRaw(from, subject, body string) string {
	return "From: " + from + "\r\nTo: support@example.gov\r\nSubject: " + mime.BEncoding.Encode("utf-8", subject) +
		"\r\nMessage-ID: <" + fmt.Sprintf("%x", len(body)) + "." + from + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
}

// TestTriageLearnLoop files letters the built-in model does not find
// urgent, has operators correct their priority, and retrains: learn
// prints the figures before and after and writes nothing without -o; the
// model it writes with -o finds a new letter of the same kind urgent,
// where the built-in one does not. Reading the corrected letters is
// recorded.
func TestTriageLearnLoop(t *testing.T) {
	ctx := t.Context()
	config, path := usersConfig(t, true)
	db, err := openConfigured(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for i, body := range gateLetters {
		from := fmt.Sprintf("c%d@example.ru", i)
		res, err := db.Ingest(ctx, store.Inbound{Raw: []byte(letterRaw(from, "Кабинет", body)), MessageID: fmt.Sprintf("g%d@x", i),
			FromAddress: from, Text: body, Ticket: store.Ticket{Subject: "Кабинет", CitizenAddress: from, Priority: store.PriorityNormal}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, res.Ticket.Number)
	}
	db.Close()
	for _, n := range numbers {
		if out, errb, code := run(t, "priority", n, "high", "-reason", "access_loss: cannot get in", "-operator", "anna", "-config", config); code != 0 {
			t.Fatalf("priority %s: exit %d: %q %q", n, code, out, errb)
		}
	}

	dir := filepath.Dir(path)
	before, _ := os.ReadDir(dir)
	out, errb, code := run(t, "triage", "learn", "-config", config, "-operator", "anna")
	if code != 0 {
		t.Fatalf("triage learn: exit %d: %q %q", code, out, errb)
	}
	for _, want := range []string{"Before: ", "After: ", fmt.Sprintf("and %d corrections", len(gateLetters)), "No model written"} {
		if !strings.Contains(out, want) {
			t.Errorf("triage learn printed %q; want it to say %q", out, want)
		}
	}
	// The live model misses most of them; a model trained on the others
	// finds each.
	live := regexp.MustCompile(`decide (\d+) of the 6 corrected letters`).FindStringSubmatch(out)
	held := regexp.MustCompile(`did not see it: (\d+) of 6`).FindStringSubmatch(out)
	if live == nil || held == nil || live[1] > "2" || held[1] < "5" {
		t.Errorf("triage learn printed %q; want the live model to find at most 2 of the 6 corrected letters and the retrained ones at least 5", out)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("triage learn without -o wrote files: %d entries before, %d after", len(before), len(after))
	}

	model := filepath.Join(t.TempDir(), "model.gz")
	if out, errb, code := run(t, "triage", "learn", "-config", config, "-operator", "anna", "-o", model); code != 0 || !strings.Contains(out, "Wrote "+model) {
		t.Fatalf("triage learn -o: exit %d: %q %q", code, out, errb)
	}
	if words := modelWords(t, model); strings.Contains(words, "загоруй") || strings.Contains(words, "евламп") {
		t.Errorf("the model file keeps the corrected letters' writer's name")
	}
	letter := filepath.Join(t.TempDir(), "new.eml")
	if err := os.WriteFile(letter, []byte(letterRaw("new@example.ru", "Кабинет", "Калитка захлопнулась вчера вечером, стою снаружи.")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := run(t, "parse", letter); !strings.Contains(out, `"priority": "normal"`) {
		t.Errorf("the built-in model finds the new letter urgent already; the test proves nothing:\n%s", out)
	}
	out, errb, code = run(t, "parse", "-model", model, letter)
	if code != 0 || !strings.Contains(out, `"priority": "high"`) || !strings.Contains(out, `"decided_by": "model"`) {
		t.Errorf("parse with the retrained model: exit %d %q:\n%s", code, errb, out)
	}

	db, err = openConfigured(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reads, err := db.Reads(ctx, store.ReadFilter{Actor: "cli:anna"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 2*len(gateLetters) {
		t.Errorf("%d reads recorded for cli:anna, want one per corrected letter per run (%d)", len(reads), 2*len(gateLetters))
	}
}

// modelWords returns the text of a model file, lowered.
func modelWords(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToLower(string(b))
}

// TestModelFileErrors checks that a model file that cannot be used stops
// the command, naming the key and the file, and that learn refuses bad
// flags.
func TestModelFileErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "model.gz")
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, "/nonexistent/model.gz"} {
		_, errb, code := run(t, "parse", "-model", path, "../../testdata/mail/01-ru-access-loss.eml")
		if code == 0 || !strings.Contains(errb, "rules.model") || !strings.Contains(errb, path) {
			t.Errorf("parse -model %s: exit %d, %q; want an error naming rules.model and the file", path, code, errb)
		}
	}
	if _, errb, code := run(t, "triage", "learn", "-builtin", "-k", "1"); code != 2 || !strings.Contains(errb, "-k") {
		t.Errorf("triage learn -k 1: exit %d, %q; want a usage error", code, errb)
	}
	if _, errb, code := run(t, "triage", "learn", "-operator=", "-config", "/nonexistent.toml"); code == 0 || !strings.Contains(errb, "-operator") {
		t.Errorf("triage learn without an operator: exit %d, %q; want it to ask for -operator", code, errb)
	}
}
