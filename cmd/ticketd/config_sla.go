package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// defaultDaily is [sla] daily unless set: the summary goes at 09:00, in
// [templates] timezone, when [sla] notify names anyone.
const defaultDaily = "09:00"

// resolve checks the keys of the deadline watch and sets their typed
// values; an error names the key.
func (s *SLAConfig) resolve(path string) error {
	bad := func(key, problem string) error { return &ConfigError{File: path, Key: key, Problem: problem} }
	s.NotifyAddresses = nil
	for _, a := range s.Notify {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return bad("sla.notify", fmt.Sprintf("%q is not an address: want a list such as [\"duty@example.org\"]", a))
		}
		s.NotifyAddresses = append(s.NotifyAddresses, *addr)
	}
	switch d := strings.TrimSpace(s.Daily); d {
	case "", "off":
		s.DailyOn, s.DailyAt = false, 0
	default:
		at, err := time.Parse("15:04", d)
		if err != nil {
			return bad("sla.daily", `want a time of day such as "09:00" (in templates.timezone), or "off"`)
		}
		s.DailyOn, s.DailyAt = true, time.Duration(at.Hour())*time.Hour+time.Duration(at.Minute())*time.Minute
	}
	if s.Immediate && len(s.NotifyAddresses) == 0 {
		return bad("sla.immediate", "needs someone to tell: set sla.notify")
	}
	if s.ConsoleURL != "" {
		u, err := url.Parse(s.ConsoleURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return bad("sla.console_url", `want the console's address as the staff open it, e.g. "https://support.example.org/"`)
		}
	}
	if s.Interval.Duration < time.Second || s.Interval.Duration > time.Hour {
		return bad("sla.interval", "want 1s to 1h")
	}
	return nil
}
