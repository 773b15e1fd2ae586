package mailparse

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files and the fuzz seeds")

// parseFixture parses testdata/name.
func parseFixture(t *testing.T, name string) (*Letter, error) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(raw, nil)
}

func TestParseFixtures(t *testing.T) {
	filenames := func(l *Letter) any {
		var names []string
		for _, p := range l.Parts {
			names = append(names, p.Filename)
		}
		return names
	}
	tests := []struct {
		file  string
		field string
		get   func(*Letter) any
		want  any
	}{
		{"outlook-cp1251-8bit-subject.eml", "Subject", func(l *Letter) any { return l.Subject }, "Жалоба на начисление за отопление"},
		{"outlook-cp1251-8bit-subject.eml", "From", func(l *Letter) any { return l.From }, Address{"Петров Иван", "petrov@example.ru"}},
		{"outlook-cp1251-8bit-subject.eml", "Signature", func(l *Letter) any { return l.Signature }, "С уважением,\nПетров Иван Сергеевич\nтел. +7 900 123-45-67"},
		{"outlook-cp1251-8bit-subject.eml", "Auto", func(l *Letter) any { return l.Auto }, AutoNone}, // X-Auto-Response-Suppress alone
		{"outlook-cp1251-8bit-subject.eml", "Date", func(l *Letter) any { return l.Date.UTC() }, time.Date(2024, 1, 15, 6, 30, 0, 0, time.UTC)},
		{"mailru-koi8r-qp.eml", "Subject", func(l *Letter) any { return l.Subject }, "Re: Уборка снега во дворе"},
		{"mailru-koi8r-qp.eml", "From", func(l *Letter) any { return l.From }, Address{"Мария Сидорова", "sidorova@mail.ru"}},
		{"mailru-koi8r-qp.eml", "Description", func(l *Letter) any { return l.Description }, "Здравствуйте. Спасибо за ответ, но вопрос не решён: во дворе до сих пор не убран снег."},
		{"mailru-koi8r-qp.eml", "Signature", func(l *Letter) any { return l.Signature }, "--\nОтправлено из Mail.ru для Android"},
		{"mailru-koi8r-qp.eml", "References", func(l *Letter) any { return l.References }, []string{"1705300000.1@f1.i.mail.ru", "ticket-1042@ticketd.example"}},
		{"mailru-koi8r-qp.eml", "InReplyTo", func(l *Letter) any { return l.InReplyTo }, []string{"ticket-1042@ticketd.example"}},
		{"yandex-html-only.eml", "Description", func(l *Letter) any { return l.Description }, "Добрый вечер!\n\nВ подъезде №3 не работает лифт уже *вторую неделю*."},
		{"yandex-html-only.eml", "HTML has script", func(l *Letter) any { return strings.Contains(l.HTML, "script") || strings.Contains(l.HTML, "onerror") }, false},
		{"yandex-html-only.eml", "Quoted starts", func(l *Letter) any { return strings.SplitN(l.Quoted, "\n", 2)[0] }, `16.01.2024, 10:00, "Служба поддержки" <support@ticketd.example>:`},
		{"iphone-format-flowed.eml", "Description", func(l *Letter) any { return l.Description }, "Good morning. The street light at the corner of Sadovaya and Lenina has been broken since Friday and the crossing is dark at night. Please send someone to repair it."},
		{"iphone-format-flowed.eml", "Signature", func(l *Letter) any { return l.Signature }, "Sent from my iPhone"},
		{"thunderbird-rfc2231-filename.eml", "Filenames", filenames, []string{"Скан заявления.pdf", "Фото протечки на потолке в ванной комнате.jpg"}},
		{"thunderbird-rfc2231-filename.eml", "ContentType", func(l *Letter) any { return l.Parts[1].ContentType }, "image/jpeg"},
		{"gmail-forward-rfc822.eml", "Description", func(l *Letter) any { return l.Description }, "Управляющая компания отвечает отпиской, прошу проверить."},
		{"gmail-forward-rfc822.eml", "Quoted has inner text", func(l *Letter) any {
			return strings.Contains(l.Quoted, "Ремонт крыши запланирован на лето.")
		}, true},
		{"gmail-forward-rfc822.eml", "Filenames", filenames, []string{"plan.pdf"}},
		{"outlook-forward-rfc822-no-comment.eml", "Description", func(l *Letter) any { return l.Description }, "Ремонт крыши запланирован на лето."},
		{"outlook-reply-on-top.eml", "Description", func(l *Letter) any { return l.Description }, "Добрый день.\n\nКвитанцию прилагаю повторно. Прошу ответить по существу."},
		{"outlook-reply-on-top.eml", "Signature", func(l *Letter) any { return l.Signature }, "С уважением,\nИванова Ольга"},
		{"outlook-reply-on-top.eml", "Quoted starts", func(l *Letter) any { return strings.SplitN(l.Quoted, "\n", 2)[0] }, "________________________________"},
		{"outlook-reply-on-top.eml", "To", func(l *Letter) any { return l.To }, []Address{{"Служба поддержки", "support@ticketd.example"}, {"", "boss@example.ru"}}},
		{"exchange-dsn.eml", "Auto", func(l *Letter) any { return l.Auto }, AutoBounce},
		{"exchange-dsn.eml", "BounceOf", func(l *Letter) any { return l.BounceOf }, "reply-1042-1@ticketd.example"},
		{"mailru-exim-bounce-plain.eml", "Auto", func(l *Letter) any { return l.Auto }, AutoBounce},
		{"mailru-exim-bounce-plain.eml", "BounceOf", func(l *Letter) any { return l.BounceOf }, "reply-1042-2@ticketd.example"},
		{"mailru-exim-bounce-plain.eml", "Subject", func(l *Letter) any { return l.Subject }, "Ваше сообщение не доставлено. Mail failure."},
		{"vacation-autoreply-ru.eml", "Auto", func(l *Letter) any { return l.Auto }, AutoReply},
		{"auto-submitted-auto-generated.eml", "Auto", func(l *Letter) any { return l.Auto }, AutoGenerated},
		{"list-unsubscribe-newsletter.eml", "Auto", func(l *Letter) any { return l.Auto }, AutoList},
		{"broken-base64-junk.eml", "Text", func(l *Letter) any { return l.Text }, "Скан во вложении."},
		{"webform-unclosed-quote-display-name.eml", "From", func(l *Letter) any { return l.From }, Address{"Магазин Ромашка", "shop@example.ru"}},
		{"forged-address-in-display-name.eml", "From", func(l *Letter) any { return l.From }, Address{"", "victim@example.ru"}},
		{"forged-address-in-display-name.eml", "ReplyTo", func(l *Letter) any { return l.ReplyTo }, []Address{{"", "victim@example.ru"}}},
		{"forged-address-in-display-name.eml", "Subject", func(l *Letter) any { return l.Subject }, "Вопрос  Bcc: x@attacker.example"},
		{"webform-doubled-at-sender.eml", "From", func(l *Letter) any { return l.From }, Address{}},
		{"webform-doubled-at-sender.eml", "Reply", func(l *Letter) any { return [2]any{l.Reply, l.ReplyHeader} }, [2]any{Address{}, ReplyNone}},
		{"python-compat32-encoded-from.eml", "Reply", func(l *Letter) any { return [2]any{l.Reply, l.ReplyHeader} },
			[2]any{Address{"Иван Петров", "ivan.petrov@example.ru"}, FromEncodedWord}},
		{"webform-noreply-reply-to.eml", "Reply", func(l *Letter) any { return [2]any{l.Reply, l.ReplyHeader} },
			[2]any{Address{"Мария Сидорова", "m.sidorova@example.ru"}, ReplyToHeader}},
		{"webform-noreply-reply-to.eml", "From", func(l *Letter) any { return l.From }, Address{"Портал обращений", "noreply@portal.example"}},
		{"webform-address-in-display-name.eml", "Reply", func(l *Letter) any { return [2]any{l.Reply, l.ReplyHeader} },
			[2]any{Address{"", "oleg.k@example.ru"}, FromDisplayName}},
		{"forged-address-in-display-name.eml", "Reply", func(l *Letter) any { return [2]any{l.Reply, l.ReplyHeader} },
			[2]any{Address{"", "victim@example.ru"}, ReplyToHeader}},
		{"broken-base64-junk.eml", "Body", func(l *Letter) any { return string(l.Parts[0].Body) }, "%PDF-1.4\n% fake scan for ticketd tests\n%%EOF\n"},
		{"gmail-alternative-prefers-plain.eml", "Text", func(l *Letter) any { return l.Text }, "Когда будет горячая вода?"},
		{"gmail-alternative-prefers-plain.eml", "From", func(l *Letter) any { return l.From }, Address{"Petrova, Anna", "anna@gmail.example"}},
		{"gmail-alternative-prefers-plain.eml", "HTML", func(l *Letter) any { return l.HTML }, "<div dir=\"ltr\">Когда будет <b>горячая</b> вода?</div>\n"},
		{"apple-related-inline-cid-image.eml", "Part", func(l *Letter) any { p := l.Parts[0]; return [3]any{p.Filename, p.Inline, p.ContentID} }, [3]any{"shot.png", true, "img001@example.org"}},
		{"apple-related-inline-cid-image.eml", "HTML keeps cid", func(l *Letter) any { return strings.Contains(l.HTML, `src="cid:img001@example.org"`) }, true},
		{"thebat-unquoted-encoded-filename.eml", "Filenames", filenames, []string{"Список.doc"}},
		{"thebat-unquoted-encoded-filename.eml", "Text", func(l *Letter) any { return l.Text }, "Список жильцов."},
		{"gmail-split-utf8-encoded-words.eml", "Subject", func(l *Letter) any { return l.Subject }, "Прорыв трубы в подвале"},
		{"missing-close-boundary.eml", "Filenames", filenames, []string{"notes.txt"}},
		{"no-header-cp1251-text.eml", "Text", func(l *Letter) any { return l.Text }, "Это письмо без заголовка.\nКто-то вставил текст прямо в сокет.\n"},
		{"qp-lowercase-hex-stray-equals.eml", "Text", func(l *Letter) any { return l.Text }, "Привет, 2+2=4 and 50% \nsoftbreak."},
		{"gmail-inline-forward-no-comment.eml", "Description", func(l *Letter) any { return l.Description }, "У нас в подъезде прорвало трубу, вода течёт по стене."},
		{"thunderbird-ru-inline-reply.eml", "Description", func(l *Letter) any { return l.Description }, "Квартира 45.\n\n+7 900 000-00-00"},
		{"thunderbird-ru-inline-reply.eml", "Quoted", func(l *Letter) any { return l.Quoted }, "31.01.2024 12:00, Служба поддержки пишет:\n> Укажите номер квартиры.\n> И номер телефона."},
		{"thunderbird-ru-inline-reply.eml", "Signature", func(l *Letter) any { return l.Signature }, "-- \nПавел"},
		{"gmail-wrapped-attribution.eml", "Description", func(l *Letter) any { return l.Description }, "Yes, the water is back. Thank you!"},
		{"outlook-calendar-alternative.eml", "Text", func(l *Letter) any { return l.Text }, "Meeting at 10."},
		{"outlook-calendar-alternative.eml", "Part type", func(l *Letter) any { return l.Parts[0].ContentType }, "text/calendar"},
		{"multipart-without-boundary-param.eml", "Text", func(l *Letter) any { return l.Text }, "Text of a letter whose boundary got lost."},
		{"outlook-express-uuencoded-attachment.eml", "Filenames", filenames, []string{"akt.doc"}},
		{"outlook-express-uuencoded-attachment.eml", "Body", func(l *Letter) any { return l.Parts[0].Body }, bytes.Repeat(byteRange(), 3)},
		{"outlook-express-uuencoded-attachment.eml", "Text", func(l *Letter) any { return l.Text }, "Акт осмотра во вложении.\n\n\nИван"},
		{"list-rewritten-boundary-mismatch.eml", "Text", func(l *Letter) any { return l.Text }, "Отопления нет третий день."},
		{"base64-label-on-plain-text.eml", "Text", func(l *Letter) any { return l.Text }, "Здравствуйте, у нас не вывозят мусор (уже неделю)!"},
		{"mbox-from-line-bad-header-line.eml", "Subject", func(l *Letter) any { return l.Subject }, "still read"},
		{"mbox-from-line-bad-header-line.eml", "MessageID", func(l *Letter) any { return l.MessageID }, "broken-id-without-brackets@example.org"},
		{"mbox-from-line-bad-header-line.eml", "Date", func(l *Letter) any { return l.Date.UTC() }, time.Date(2024, 1, 31, 14, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.field, func(t *testing.T) {
			l, _ := parseFixture(t, tt.file)
			if l == nil {
				t.Fatalf("Parse(%s) = nil letter", tt.file)
			}
			if got := tt.get(l); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%s).%s = %#v, want %#v", tt.file, tt.field, got, tt.want)
			}
		})
	}
}

func TestParseFixtureErrors(t *testing.T) {
	tests := []struct {
		file string
		want error // nil: no error
	}{
		{"outlook-cp1251-8bit-subject.eml", nil},
		{"thunderbird-rfc2231-filename.eml", nil},
		{"broken-base64-junk.eml", ErrDamaged},
		{"missing-close-boundary.eml", ErrDamaged},
		{"multipart-without-boundary-param.eml", ErrDamaged},
		{"mbox-from-line-bad-header-line.eml", ErrDamaged},
		{"no-header-cp1251-text.eml", ErrNoHeader},
		{"list-rewritten-boundary-mismatch.eml", ErrDamaged},
		{"base64-label-on-plain-text.eml", ErrDamaged},
	}
	for _, tt := range tests {
		l, err := parseFixture(t, tt.file)
		if l == nil {
			t.Errorf("Parse(%s) = nil, %v; want a letter", tt.file, err)
		}
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Parse(%s) error = %v, want %v", tt.file, err, tt.want)
		}
	}
}

// byteRange returns the bytes 0 to 255.
func byteRange() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// goldenPart is a Part as the golden files show it: the body by size and
// hash.
type goldenPart struct {
	Filename, ContentType, ContentID string
	Inline                           bool
	Size                             int
	SHA256                           string
}

// golden renders a Parse result for a golden file.
func golden(l *Letter, err error) []byte {
	v := struct {
		Error  string
		Letter *Letter
		Parts  []goldenPart
	}{Letter: l}
	if err != nil {
		v.Error = err.Error()
	}
	if l != nil {
		cp := *l
		for _, p := range cp.Parts {
			v.Parts = append(v.Parts, goldenPart{p.Filename, p.ContentType, p.ContentID, p.Inline,
				len(p.Body), fmt.Sprintf("%x", sha256.Sum256(p.Body))[:16]})
		}
		cp.Parts = nil
		v.Letter = &cp
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return append(b, '\n')
}

func TestGolden(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, name := range names {
		base := filepath.Base(name)
		t.Run(base, func(t *testing.T) {
			got := golden(parseFixture(t, base))
			path := strings.TrimSuffix(name, ".eml") + ".golden"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Parse(%s) = %s\nwant %s", base, got, want)
			}
		})
	}
}
