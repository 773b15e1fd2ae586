package replies

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/ticketd/ticketd/store"
)

// Template names of the notices to the staff, as the X-Ticketd-Template
// field of each letter names them.
const (
	TemplateOverdue = "sla_overdue" // tickets just overdue
	TemplateSummary = "sla_summary" // the daily summary
)

// MaxNoticeTickets is the most tickets a notice lists; it counts the
// others.
const MaxNoticeTickets = 200

// Notifier writes the letters that tell the staff ([sla] notify) about
// deadlines: Overdue when tickets have just become overdue, Summary once a
// day. They are in Russian, the agency's language, and say of each
// ticket its number, priority, status, deadline (in Location, with its
// zone) and how late it is or how much time it has left, with a link to
// its page in the console when ConsoleURL is known. They hold no
// personal data: not the citizen's name, address or subject, which the
// staff read in the console, where reading them is recorded.
type Notifier struct {
	From mail.Address   // the support mailbox
	To   []mail.Address // a letter each
	// ConsoleURL is the console as the staff open it, e.g.
	// "https://support.example.org/"; "" writes no links.
	ConsoleURL string
	Location   *time.Location // nil: UTC
}

// Overdue composes the letters telling that the tickets ds have just
// become overdue at now; none without addresses or tickets.
func (n *Notifier) Overdue(ds []store.Deadline, now time.Time) ([]store.Outgoing, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	subject := fmt.Sprintf("Просрочены обращения: %d", len(ds))
	if len(ds) == 1 {
		subject = fmt.Sprintf("Просрочено обращение %s (%s)", ds[0].Number, priorityName(ds[0].Priority))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Срок ответа прошёл (%s):\n\n", n.moment(now))
	n.list(&b, ds, len(ds), now)
	b.WriteString(noticeFooter)
	return n.compose(subject, b.String(), TemplateOverdue, now)
}

// Summary composes the daily summary at now: the tickets waiting for our
// answer that are overdue or due soon (ds, the most late first, as
// store.DB.Deadlines lists them) and how many there are in all (c), which
// may be more than ds holds. With none it says so: the summary coming
// every day also says the watch is alive.
func (n *Notifier) Summary(ds []store.Deadline, c store.DeadlineCounts, now time.Time) ([]store.Outgoing, error) {
	day := now.In(n.loc()).Format("02.01.2006")
	subject := fmt.Sprintf("Сроки ответов на %s: всё в срок", day)
	if c.Overdue+c.DueSoon > 0 {
		subject = fmt.Sprintf("Сроки ответов на %s: просрочено %d, скоро срок %d", day, c.Overdue, c.DueSoon)
	}
	var overdue, soon []store.Deadline
	for _, d := range ds {
		if d.Overdue(now) {
			overdue = append(overdue, d)
		} else {
			soon = append(soon, d)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Сводка на %s.\n\n", n.moment(now))
	if c.Overdue+c.DueSoon == 0 {
		b.WriteString("Просроченных обращений нет, и ни у одного срок ответа не подходит к концу.\n")
	}
	shown := min(len(ds), MaxNoticeTickets)
	if c.Overdue > 0 {
		fmt.Fprintf(&b, "Просрочены (%d):\n", c.Overdue)
		shown -= n.list(&b, overdue, shown, now)
		b.WriteString("\n")
	}
	if c.DueSoon > 0 {
		fmt.Fprintf(&b, "Скоро срок (%d):\n", c.DueSoon)
		n.list(&b, soon, shown, now)
		b.WriteString("\n")
	}
	if listed := min(len(ds), MaxNoticeTickets); c.Overdue+c.DueSoon > listed {
		fmt.Fprintf(&b, "Ещё %d не показаны: все перечисляет \"ticketd tickets -overdue\".\n\n", c.Overdue+c.DueSoon-listed)
	}
	b.WriteString("Ответа ждут обращения в статусах «новое» и «в работе»; срок подходит к концу, когда до него " +
		"остаётся пятая часть времени, данного на ответ.\n")
	b.WriteString(noticeFooter)
	return n.compose(subject, b.String(), TemplateSummary, now)
}

// noticeFooter ends every notice.
const noticeFooter = "\nПисьмо отправлено ticketd автоматически; отвечать на него не нужно.\n"

// list writes up to limit of ds, one a line (and its link), and returns
// how many it wrote.
func (n *Notifier) list(b *strings.Builder, ds []store.Deadline, limit int, now time.Time) int {
	ds = ds[:max(min(len(ds), limit), 0)]
	for _, d := range ds {
		late := d.Late(now)
		when := "осталось " + ruDuration(-late)
		if late >= 0 {
			when = "просрочено на " + ruDuration(late)
		}
		fmt.Fprintf(b, "  %s  %s  %s  срок %s  %s\n", d.Number, priorityName(d.Priority), statusName(d.Status),
			n.moment(d.DueAt), when)
		if link := n.link(d.Number); link != "" {
			fmt.Fprintf(b, "      %s\n", link)
		}
	}
	return len(ds)
}

// compose writes the letter to each address.
func (n *Notifier) compose(subject, text, template string, now time.Time) ([]store.Outgoing, error) {
	var out []store.Outgoing
	for _, to := range n.To {
		l, err := Compose(Draft{From: n.From, To: to, Subject: subject, Text: text, Template: template, Generated: true}, now)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// link is the page of ticket number in the console; "" without
// ConsoleURL.
func (n *Notifier) link(number string) string {
	if n.ConsoleURL == "" {
		return ""
	}
	u, err := url.JoinPath(n.ConsoleURL, "tickets", number)
	if err != nil {
		return ""
	}
	return u
}

func (n *Notifier) loc() *time.Location {
	if n.Location == nil {
		return time.UTC
	}
	return n.Location
}

// moment writes t as the acknowledgements do: in Location, with its zone.
func (n *Notifier) moment(t time.Time) string { return t.In(n.loc()).Format("02.01.2006 15:04 MST") }

func priorityName(p store.Priority) string {
	if p == store.PriorityHigh {
		return "срочно"
	}
	return "обычный"
}

func statusName(s store.Status) string {
	switch s {
	case store.StatusNew:
		return "новое"
	case store.StatusInProgress:
		return "в работе"
	}
	return string(s)
}

// ruDuration writes d in Russian to the minute ("2 д 3 ч", "3 ч 5 мин",
// "7 мин"), or to the second under a minute ("40 с").
func ruDuration(d time.Duration) string {
	d = max(d, 0)
	if d < time.Minute {
		return fmt.Sprintf("%d с", int(d/time.Second))
	}
	d = d.Truncate(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d д", days))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%d ч", hours))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%d мин", mins))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%d д", days)
	}
	return strings.Join(parts, " ")
}
