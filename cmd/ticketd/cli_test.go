package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/store"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = Main(t.Context(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestTemplatesJSON(t *testing.T) {
	out, errb, code := run(t, "templates", "-json", "-config", "/nonexistent/ticketd.toml")
	if code != 0 {
		t.Fatalf("templates -json: exit %d: %s", code, errb)
	}
	var cat []struct {
		Name      string `json:"name"`
		Variables []struct {
			Name     string `json:"name"`
			Required bool   `json:"required"`
		} `json:"variables"`
		Languages    []string          `json:"languages"`
		Title        string            `json:"title"`
		Titles       map[string]string `json:"titles"`
		Descriptions map[string]string `json:"descriptions"`
	}
	if err := json.Unmarshal([]byte(out), &cat); err != nil {
		t.Fatalf("templates -json printed invalid JSON: %v", err)
	}
	want := []string{"ack", "ack_followup", "ack_priority", "attachments_rejected", "instructions_browser",
		"instructions_password", "instructions_sms", "request_info", "resolved", "status", "too_large"}
	var got []string
	for _, c := range cat {
		got = append(got, c.Name)
		if strings.Join(c.Languages, ",") != "en,ru" {
			t.Errorf("%s languages = %v, want en and ru", c.Name, c.Languages)
		}
		if c.Name == "status" && (len(c.Variables) == 0 || c.Variables[0].Name != "status" || !c.Variables[0].Required) {
			t.Errorf("status variables = %+v, want a required status first", c.Variables)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("templates = %v, want %v", got, want)
	}
	for _, c := range cat {
		if c.Name == "status" && (c.Titles["ru"] != "Статус заявления" || c.Descriptions["ru"] == "" || c.Title != "Application status") {
			t.Errorf("status title = %q, titles %q, descriptions %q, want English and Russian texts", c.Title, c.Titles, c.Descriptions)
		}
	}
}

func TestTemplatesText(t *testing.T) {
	out, errb, code := run(t, "templates", "-config", "/nonexistent/ticketd.toml")
	if code != 0 {
		t.Fatalf("templates: exit %d: %s", code, errb)
	}
	for _, want := range []string{
		"status                 Application status — Tells the citizen their application is in progress, approved or rejected [en, ru]\n",
		"                         -set status (required), application, comment\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("templates printed:\n%s\nwant a line %q", out, want)
		}
	}
}

// offlineConfig is a configuration whose servers are never contacted.
func offlineConfig(t *testing.T) (config, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "t.db")
	config = writeConfig(t, minimal+"[store]\npath = \""+db+"\"\n")
	d, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = d.Ingest(context.Background(), store.Inbound{MessageID: "q1@x", Raw: []byte("x"), FromAddress: "ivan@example.ru",
		Ticket: store.Ticket{Subject: "Вопрос", CitizenAddress: "ivan@example.ru", DueAt: time.Now()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return config, db
}

func TestStatusCommand(t *testing.T) {
	config, _ := offlineConfig(t)
	if _, errb, code := run(t, "status", "TKT-000001", "closed", "-operator", "anna", "-config", config); code != 0 {
		t.Fatalf("status: exit %d: %s", code, errb)
	}
	out, _, _ := run(t, "show", "tkt-000001", "-json", "-operator", "anna", "-config", config)
	if !strings.Contains(out, `"status": "closed"`) || !strings.Contains(out, "operator:anna") {
		t.Errorf("show after status closed:\n%s", out)
	}
	if _, errb, code := run(t, "status", "TKT-000001", "done", "-config", config); code != exitUsage || !strings.Contains(errb, "done") {
		t.Errorf("status done: exit %d, %q; want a usage error naming the status", code, errb)
	}
	if _, errb, code := run(t, "status", "TKT-000009", "closed", "-operator", "anna", "-config", config); code != exitFail || !strings.Contains(errb, "TKT-000009") {
		t.Errorf("status of a missing ticket: exit %d, %q", code, errb)
	}
}

func TestReplyChecksVariablesBeforeQueueing(t *testing.T) {
	config, db := offlineConfig(t)
	_, errb, code := run(t, "reply", "TKT-000001", "-template", "status", "-operator", "anna", "-config", config)
	if code != exitUsage || !strings.Contains(errb, `"status"`) {
		t.Errorf("reply without the status value: exit %d, %q; want a usage error naming the variable", code, errb)
	}
	_, errb, code = run(t, "reply", "TKT-000001", "-template", "status", "-set", "status=approved", "-set", "coment=x",
		"-operator", "anna", "-config", config)
	if code != exitUsage || !strings.Contains(errb, "coment") {
		t.Errorf("reply with a misspelt variable: exit %d, %q", code, errb)
	}
	d, _ := store.Open(context.Background(), db)
	defer d.Close()
	if c, _ := d.Count(context.Background()); c.Outbound != 0 {
		t.Errorf("%d letters queued after refused replies, want 0", c.Outbound)
	}
	out, errb, code := run(t, "reply", "TKT-000001", "-template", "status", "-set", "status=approved", "-operator", "anna", "-config", config)
	if code != 0 || !strings.Contains(out, "queued") {
		t.Fatalf("reply: exit %d, %q %q", code, out, errb)
	}
	tk, _ := d.Ticket(context.Background(), "TKT-000001")
	if tk.Status != store.StatusAnswered {
		t.Errorf("status after reply = %s, want answered", tk.Status)
	}
}
