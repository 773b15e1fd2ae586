package replies

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/ticketd/ticketd/mailparse"
)

func TestComposeThreadsAndMarksAutomatic(t *testing.T) {
	out, err := Compose(Draft{
		From:       mail.Address{Name: "Служба поддержки", Address: "support@example.gov"},
		To:         mail.Address{Name: "Иван", Address: "ivan@example.ru"},
		Subject:    "[TKT-000001] Обращение зарегистрировано",
		Text:       "Здравствуйте!\n",
		InReplyTo:  "b@example.ru",
		References: []string{"a@example.ru"},
		Auto:       true,
		Template:   "ack",
	}, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	l, err := mailparse.Parse(out.Raw, nil)
	if err != nil {
		t.Fatalf("Parse(Compose()) error: %v", err)
	}
	checks := []struct{ what, got, want string }{
		{"Subject", l.Subject, "[TKT-000001] Обращение зарегистрировано"},
		{"From", l.From.Address, "support@example.gov"},
		{"Message-ID", l.MessageID, out.MessageID},
		{"In-Reply-To", strings.Join(l.InReplyTo, " "), "b@example.ru"},
		{"References", strings.Join(l.References, " "), "a@example.ru b@example.ru"},
		{"Auto", string(l.Auto), string(mailparse.AutoReply)},
		{"Reply-To", l.ReplyTo[0].Address, "support@example.gov"},
		{"text", l.Text, "Здравствуйте!\n"},
	}
	for _, c := range checks {
		if strings.TrimSpace(c.got) != strings.TrimSpace(c.want) {
			t.Errorf("Compose: %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !strings.HasSuffix(out.MessageID, "@example.gov") {
		t.Errorf("Message-ID %q is not on our domain", out.MessageID)
	}
}

func TestComposeStopsHeaderInjection(t *testing.T) {
	tests := []struct{ name, subject, toName string }{
		{"CRLF in subject", "Помогите\r\nBcc: victim@example.org", "Иван"},
		{"LF in name", "Вопрос", "Иван\nBcc: victim@example.org"},
		{"bare CR", "Вопрос\rX-Evil: 1", "Иван"},
		{"unicode line separator", "Вопрос\u2028Bcc: victim@example.org", "Иван"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Compose(Draft{
				From:    mail.Address{Address: "support@example.gov"},
				To:      mail.Address{Name: tt.toName, Address: "ivan@example.ru"},
				Subject: tt.subject, Text: "x", Template: "ack",
			}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			head, _, _ := strings.Cut(string(out.Raw), "\r\n\r\n")
			for _, line := range strings.Split(head, "\r\n") {
				if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "X-Evil:") {
					t.Errorf("Compose let a header through: %q", line)
				}
			}
		})
	}
}

func TestComposeNeedsRecipient(t *testing.T) {
	if _, err := Compose(Draft{From: mail.Address{Address: "support@example.gov"}, Template: "ack"}, time.Now()); !errors.Is(err, ErrBadRecipient) {
		t.Errorf("Compose without a recipient: error = %v, want ErrBadRecipient", err)
	}
}

func TestMegabytes(t *testing.T) {
	tests := []struct {
		n    int64
		lang string
		want string
	}{
		{30 << 20, "ru", "30 МБ"},
		{33030144, "ru", "31,5 МБ"},
		{33030144, "en", "31.5 MB"},
	}
	for _, tt := range tests {
		if got := Megabytes(tt.n, tt.lang); got != tt.want {
			t.Errorf("Megabytes(%d, %s) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}

func TestComposeEncodingFitsTheText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"Russian", strings.Repeat("Ваше обращение зарегистрировано. ", 20), "base64"},
		{"English", strings.Repeat("Your request is registered. ", 20), "quoted-printable"},
		{"English with a Russian name", "Dear Иван,\n" + strings.Repeat("your request is registered. ", 20), "quoted-printable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Compose(Draft{
				From: mail.Address{Address: "support@example.gov"}, To: mail.Address{Address: "ivan@example.ru"},
				Subject: "Обращение", Text: tt.text, Template: "ack",
			}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out.Raw), "Content-Transfer-Encoding: "+tt.want) {
				t.Errorf("letter is not %s:\n%s", tt.want, out.Raw)
			}
			if enc := len(out.Raw); enc > 2*len(tt.text)+1024 {
				t.Errorf("%d bytes of text became a %d-byte letter", len(tt.text), enc)
			}
			l, err := mailparse.Parse(out.Raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(l.Text) != strings.TrimSpace(tt.text) {
				t.Errorf("text read back = %q, want %q", l.Text, tt.text)
			}
		})
	}
}
