package main

import (
	"strings"
	"testing"
)

// TestDemoAnswersAStatus: the demo's register holds the application the
// sample status request asks about, registered to its sender, who gets the
// status; the ticket is answered.
func TestDemoAnswersAStatus(t *testing.T) {
	out, errb, code := run(t, "demo", "-once", "-letters", "../../testdata/mail")
	if code != exitOK {
		t.Fatalf("demo -once: exit %d: %s", code, errb)
	}
	_, toSidorova, ok := strings.Cut(out, "──── to m.sidorova@example.ru ────")
	if !ok {
		t.Fatalf("demo sent nothing to m.sidorova@example.ru:\n%s", out)
	}
	toSidorova, _, _ = strings.Cut(toSidorova, "────")
	for _, want := range []string{"Статус заявки: Статус заявления", "Статус Вашей заявки № 2026-004512: «Одобрено»", "отправлено автоматически"} {
		if !strings.Contains(toSidorova, want) {
			t.Errorf("the demo's answer to m.sidorova@example.ru lacks %q:\n%s", want, toSidorova)
		}
	}
	if !strings.Contains(out, "TKT-000002  answered") {
		t.Errorf("the status request's ticket is not answered:\n%s", out)
	}
}
