package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ticketd/ticketd/store"
)

// plan is one ticket to make: its letters, and what operators do to it.
type plan struct {
	at, sentAt, followUpAt, actAt time.Time
	number                        string // the number it gets: tickets are numbered in order
	first                         store.Inbound
	ack                           *store.Outgoing
	followUp                      store.Inbound
	assignee                      string
	actor                         string
	status                        store.Status
	escalate                      bool // an operator makes it urgent
}

// load is the ticket as store.DB.Load takes it.
func (p *plan) load() store.LoadTicket {
	lt := store.LoadTicket{Letters: []store.LoadLetter{
		{In: p.first, At: p.at, Answer: p.ack, Sent: p.sentAt},
		{In: p.followUp, At: p.followUpAt},
	}}
	if p.assignee != "" {
		lt.Actions = append(lt.Actions, store.LoadAction{At: p.actAt, Actor: p.actor, Assign: true, Assignee: p.assignee})
	}
	if p.escalate {
		lt.Actions = append(lt.Actions, store.LoadAction{At: p.actAt, Actor: p.actor, Priority: store.PriorityHigh, Reason: escalation})
	}
	if p.status != store.StatusNew {
		lt.Actions = append(lt.Actions, store.LoadAction{At: p.actAt, Actor: p.actor, Status: p.status})
	}
	return lt
}

// escalation is why operators make a ticket urgent.
const escalation = "повторное обращение"

// The support desk's address, and its deadlines.
const (
	support     = "support@example.gov"
	slaNormal   = 5 * 24 * time.Hour
	slaPriority = 12 * time.Hour
)

// newPlan makes ticket i of n, arriving at at.
func newPlan(r *rand.Rand, i, n int, at time.Time, seed uint64) plan {
	c := newCitizen(r, i)
	t := pickTopic(r)
	subject := t.subjects[r.IntN(len(t.subjects))]
	var typed, kept, application string
	if r.IntN(100) < 60 {
		typed, kept = accountNumber(r)
	}
	if t.category == "status_request" || r.IntN(100) < 15 {
		application = applicationNumber(r, at)
	}
	text := letterText(r, t, c, typed, application)
	high := r.IntN(100) < 12
	sla, reason, template := slaNormal, "", "ack"
	if high {
		sla, reason, template = slaPriority, "угроза отключения услуги", "ack_priority"
	}
	category := t.category
	if r.IntN(100) < 5 {
		category = "" // triage could not tell
	}
	p := plan{at: at, followUpAt: at.Add(time.Hour + time.Duration(r.IntN(47*60))*time.Minute), number: store.TicketNumber(int64(i + 1))}
	priority := store.PriorityNormal
	if high {
		priority = store.PriorityHigh
	}
	mid := fmt.Sprintf("%d.%d.%d@%s", seed, i, 1, strings.SplitN(c.address, "@", 2)[1])
	p.first = store.Inbound{
		Mailbox: "INBOX", UIDValidity: 1, UID: uint32(2*i + 1),
		Raw:       rawLetter(c.address, c.name, support, subject, mid, "", at, text),
		MessageID: mid, FromName: c.name, FromAddress: c.address, ToAddress: support, Text: text,
		Ticket: store.Ticket{Priority: priority, PriorityReason: reason, Category: category, Language: "ru",
			CitizenName: c.name, CitizenAddress: c.address, Subject: subject, AccountNumber: kept,
			ApplicationNumber: application, Description: text, DueAt: at.Add(sla)},
	}
	ackID := "ack-" + p.number + "@example.gov"
	ackSubject := "Обращение " + p.number + " зарегистрировано"
	ackText := fmt.Sprintf("Здравствуйте, %s!\n\nВаше обращение «%s» зарегистрировано под номером %s.\n"+
		"Ответ будет дан до %s.\n\nЭто письмо отправлено автоматически.\n--\nСлужба поддержки\n",
		c.name, subject, p.number, at.Add(sla).Format("02.01.2006 15:04"))
	p.ack = &store.Outgoing{MessageID: ackID, FromAddress: support, ToAddress: c.address, Subject: ackSubject,
		Template: template, Auto: true, EnvelopeFrom: support, EnvelopeTo: c.address,
		Raw: rawLetter(support, "Служба поддержки", c.address, ackSubject, ackID, mid, at, ackText)}
	p.sentAt = at.Add(time.Minute)
	more := t.sentences[r.IntN(len(t.sentences))]
	followText := fmt.Sprintf("Добрый день!\n\nДополняю обращение: %s %s\n\n%s\n\n> Ваше обращение «%s» зарегистрировано под номером %s.\n",
		more, filler[r.IntN(len(filler))], c.name, subject, p.number)
	followSubject := "Re: " + ackSubject
	followID := fmt.Sprintf("%d.%d.%d@%s", seed, i, 2, strings.SplitN(c.address, "@", 2)[1])
	p.followUp = store.Inbound{
		Mailbox: "INBOX", UIDValidity: 1, UID: uint32(2*i + 2),
		Raw:       rawLetter(c.address, c.name, support, followSubject, followID, ackID, p.followUpAt, followText),
		MessageID: followID, FromName: c.name, FromAddress: c.address, ToAddress: support, Text: followText,
		Reopen: true,
		Ticket: store.Ticket{Priority: store.PriorityNormal, Language: "ru", CitizenName: c.name, CitizenAddress: c.address,
			Subject: followSubject, Description: followText, DueAt: p.followUpAt.Add(slaNormal)},
	}
	if r.IntN(100) < 3 {
		// The follow-up tells of a threat: the ticket becomes urgent.
		p.followUp.Ticket.Priority, p.followUp.Ticket.PriorityReason = store.PriorityHigh, "угроза отключения услуги"
	}
	p.actAt = p.followUpAt.Add(time.Duration(10+r.IntN(3*24*60)) * time.Minute)
	p.status, p.assignee = lifeOf(r, float64(i)/float64(max(n, 1)))
	p.actor = "operator:" + p.assignee
	if p.assignee == "" {
		p.actor = "operator:" + operators[r.IntN(len(operators))]
	}
	p.escalate = !high && r.IntN(100) < 2
	return p
}

// pickTopic picks a topic by the topics' weights.
func pickTopic(r *rand.Rand) topic {
	total := 0
	for _, t := range topics {
		total += t.weight
	}
	n := r.IntN(total)
	for _, t := range topics {
		if n -= t.weight; n < 0 {
			return t
		}
	}
	return topics[len(topics)-1]
}

// lifeOf picks where a ticket stands and who has it, by its age: age 0 is
// the oldest ticket, 1 the newest. Most tickets older than the last
// quarter are closed.
func lifeOf(r *rand.Rand, age float64) (store.Status, string) {
	var status store.Status
	n := r.IntN(100)
	if age > 0.75 {
		switch {
		case n < 35:
			status = store.StatusNew
		case n < 60:
			status = store.StatusInProgress
		case n < 70:
			status = store.StatusWaiting
		case n < 85:
			status = store.StatusAnswered
		default:
			status = store.StatusClosed
		}
	} else {
		switch {
		case n < 1:
			status = store.StatusInProgress
		case n < 2:
			status = store.StatusWaiting
		case n < 10:
			status = store.StatusAnswered
		default:
			status = store.StatusClosed
		}
	}
	if status == store.StatusNew && r.IntN(100) >= 20 {
		return status, ""
	}
	return status, operators[r.IntN(len(operators))]
}
