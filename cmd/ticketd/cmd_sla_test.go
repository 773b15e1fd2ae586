package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

// The store is what "tickets -overdue" reads.
var _ deadlineLister = (*store.DB)(nil)

// slaStore makes a store of tickets filed as the daemon files them, each
// arrived ago before now with the window of its priority (24 h, 12 h),
// and a configuration with [store] alone (and extra) pointing at it.
func slaStore(t *testing.T, extra string, tickets ...struct {
	p   store.Priority
	ago time.Duration
}) (config string, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "t.db")
	config = writeConfig(t, "[store]\npath = \""+db+"\"\n"+extra)
	d, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := store.Windows{Normal: 24 * time.Hour, High: 12 * time.Hour}
	for i, tk := range tickets {
		arrived := time.Now().Add(-tk.ago)
		_, err := d.Ingest(context.Background(), store.Inbound{MessageID: fmt.Sprintf("q%d@x", i), Raw: []byte(fmt.Sprint(i)),
			FromAddress: "ivan.petrov@example.ru", Ticket: store.Ticket{Subject: "СНИЛС 112-233-445 95", CitizenAddress: "ivan.petrov@example.ru",
				Priority: tk.p, StartedAt: arrived, DueAt: arrived.Add(w.Of(tk.p))}}, nil)
		if err != nil {
			t.Fatal(err)
		}
	}
	return config, db
}

type filed = struct {
	p   store.Priority
	ago time.Duration
}

// TestPriorityCommand: "ticketd priority" changes the priority with its
// reason, as the console does, and moves the deadline of a ticket waiting
// for an answer to its arrival plus the window of the new priority.
func TestPriorityCommand(t *testing.T) {
	config, _ := slaStore(t, "[sla]\npriority = \"10h\"\n[templates]\ntimezone = \"Asia/Vladivostok\"\n",
		filed{store.PriorityNormal, 3 * time.Hour})
	out, errb, code := run(t, "priority", "tkt-000001", "HIGH", "-reason", "потерян доступ к личному кабинету", "-operator", "anna", "-config", config)
	if code != exitOK {
		t.Fatalf("priority: exit %d: %s", code, errb)
	}
	var shown struct {
		store.Ticket
		Events []store.Event `json:"events"`
	}
	js, errb, _ := run(t, "show", "TKT-000001", "-json", "-operator", "anna", "-config", config)
	if err := json.Unmarshal([]byte(js), &shown); err != nil {
		t.Fatalf("show -json: %v: %s%s", err, js, errb)
	}
	if want := shown.StartedAt.Add(10 * time.Hour); !shown.DueAt.Equal(want) || shown.Priority != store.PriorityHigh ||
		shown.PriorityReason != "потерян доступ к личному кабинету" {
		t.Errorf("after priority high: %s (%s), due %v; want high, due %v", shown.Priority, shown.PriorityReason, shown.DueAt, want)
	}
	vladivostok, _ := time.LoadLocation("Asia/Vladivostok")
	if want := "TKT-000001: priority high, new, due " + shown.DueAt.In(vladivostok).Format("2006-01-02 15:04") + " +10\n"; out != want {
		t.Errorf("priority printed %q, want %q", out, want)
	}
	var actions []string
	for _, e := range shown.Events {
		if e.Actor == "operator:anna" {
			actions = append(actions, e.Action+": "+e.Detail)
		}
	}
	if len(actions) != 2 || actions[0] != "priority.changed: normal → high: потерян доступ к личному кабинету" ||
		!strings.HasPrefix(actions[1], "deadline.changed: ") {
		t.Errorf("events by operator:anna = %q; want priority.changed with the reason, then deadline.changed", actions)
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no reason", []string{"priority", "TKT-000001", "normal", "-operator", "anna"}, exitUsage, "-reason is required"},
		{"blank reason", []string{"priority", "TKT-000001", "normal", "-reason", "  ", "-operator", "anna"}, exitUsage, "-reason is required"},
		{"unknown priority", []string{"priority", "TKT-000001", "urgent", "-reason", "x", "-operator", "anna"}, exitUsage, `unknown priority "urgent"`},
		{"no operator", []string{"priority", "TKT-000001", "normal", "-reason", "x", "-operator", ""}, exitUsage, "-operator is required"},
		{"no ticket", []string{"priority", "TKT-000009", "normal", "-reason", "x", "-operator", "anna"}, exitFail, "no ticket TKT-000009"},
		{"one argument", []string{"priority", "TKT-000001", "-reason", "x", "-operator", "anna"}, exitUsage, "high or normal"},
	} {
		_, errb, code := run(t, append(tt.args, "-config", config)...)
		if code != tt.code || !strings.Contains(errb, tt.says) {
			t.Errorf("%s: exit %d, %q; want exit %d saying %q", tt.name, code, errb, tt.code, tt.says)
		}
	}
}

// TestTicketsOverdue: "tickets -overdue" lists the tickets overdue and due
// soon, the most late first, marked, in the zone of [templates], personal
// data masked; "tickets" shows its deadlines with their zone too.
func TestTicketsOverdue(t *testing.T) {
	config, _ := slaStore(t, "",
		filed{store.PriorityNormal, time.Hour},      // due in 23 h: neither
		filed{store.PriorityHigh, 13 * time.Hour},   // 1 h late
		filed{store.PriorityNormal, 20 * time.Hour}, // 4 h left of 24: due soon
		filed{store.PriorityNormal, 30 * time.Hour}, // 6 h late
	)
	out, errb, code := run(t, "tickets", "-overdue", "-config", config)
	if code != exitOK {
		t.Fatalf("tickets -overdue: exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("tickets -overdue printed %d lines, want a header, 3 tickets and a count:\n%s", len(lines), out)
	}
	for i, want := range []string{"TKT-000004  OVERDUE   6h0m late", "TKT-000002  OVERDUE   1h0m late", "TKT-000003  due soon  3h59m left"} {
		if !strings.HasPrefix(lines[i+1], want) || !strings.Contains(lines[i+1], " MSK ") || !strings.Contains(lines[i+1], "i…@example.ru") {
			t.Errorf("line %d = %q, want it to start %q, with the deadline in MSK and the sender masked", i+1, lines[i+1], want)
		}
	}
	if !strings.HasPrefix(lines[4], "2 overdue, 1 due soon") || strings.Contains(out, "112-233-445") {
		t.Errorf("tickets -overdue:\n%s", out)
	}

	js, _, _ := run(t, "tickets", "-overdue", "-json", "-config", config)
	var listed []struct {
		Number         string    `json:"number"`
		Deadline       string    `json:"deadline"`
		LateSeconds    int64     `json:"late_seconds"`
		DueAt          time.Time `json:"due_at"`
		CitizenAddress string    `json:"citizen_address"`
	}
	if err := json.Unmarshal([]byte(js), &listed); err != nil {
		t.Fatalf("tickets -overdue -json: %v\n%s", err, js)
	}
	if len(listed) != 3 || listed[0].Deadline != "overdue" || listed[2].Deadline != "due_soon" || listed[2].LateSeconds > -3*3600 ||
		listed[0].CitizenAddress != "i…@example.ru" || !strings.Contains(js, `"due_at": "`) || !strings.Contains(js, "Z\",") {
		t.Errorf("tickets -overdue -json:\n%s", js)
	}

	all, _, _ := run(t, "tickets", "-config", config)
	if strings.Count(all, " MSK ") != 4 {
		t.Errorf("tickets does not give each deadline's zone:\n%s", all)
	}
	none, _ := slaStore(t, "", filed{store.PriorityNormal, time.Hour})
	if out, _, code := run(t, "tickets", "-overdue", "-config", none); code != exitOK || out != "no ticket waiting for an answer is overdue or due soon\n" {
		t.Errorf("tickets -overdue with none: exit %d, %q", code, out)
	}
}

// TestSLAConfig: the keys of the deadline watch are parsed once, and a
// mistake names its key.
func TestSLAConfig(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, minimal+`[sla]
normal = "2s"
notify = ["Дежурный <duty@example.org>", "boss@example.org"]
daily = "18:30"
immediate = true
console_url = "https://support.example.org/"
interval = "1s"
`))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.SLA
	if len(s.NotifyAddresses) != 2 || s.NotifyAddresses[0].Address != "duty@example.org" || !s.DailyOn ||
		s.DailyAt != 18*time.Hour+30*time.Minute || !s.Immediate || s.Interval.Duration != time.Second {
		t.Errorf("[sla] = %+v", s)
	}
	def, err := LoadConfig(writeConfig(t, minimal))
	if err != nil || !def.SLA.DailyOn || def.SLA.DailyAt != 9*time.Hour || def.SLA.Immediate || def.SLA.Interval.Duration != time.Minute {
		t.Errorf("default [sla] = %+v, %v; want a summary at 09:00, no immediate letters, a look a minute", def.SLA, err)
	}
	if off, err := LoadConfig(writeConfig(t, minimal+"[sla]\ndaily = \"off\"\n")); err != nil || off.SLA.DailyOn {
		t.Errorf("daily = off: %+v, %v", off.SLA, err)
	}
	for _, tt := range []struct{ body, key string }{
		{`notify = ["nobody"]`, "sla.notify"},
		{`daily = "9am"`, "sla.daily"},
		{`daily = "25:00"`, "sla.daily"},
		{"immediate = true", "sla.immediate"},
		{`console_url = "support.example.org"`, "sla.console_url"},
		{`interval = "10ms"`, "sla.interval"},
	} {
		_, err := LoadConfig(writeConfig(t, minimal+"[sla]\n"+tt.body+"\n"))
		if err == nil || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("[sla] %s: %v; want an error naming %s", tt.body, err, tt.key)
		}
	}
}
