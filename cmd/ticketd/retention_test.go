package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		forever bool
		bad     bool
	}{
		{in: "1095d", want: 1095 * day},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "36h", want: 36 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: " 30d ", want: 30 * day},
		{in: "", forever: true},
		{in: "forever", forever: true},
		{in: "0d", bad: true},
		{in: "0s", bad: true},
		{in: "-5d", bad: true},
		{in: "-1h", bad: true},
		{in: "1d-48h", bad: true},
		{in: "1.5d", bad: true},
		{in: "d", bad: true},
		{in: "3y", bad: true},
		{in: "soon", bad: true},
		{in: "36501d", bad: true},
		{in: "1000000h", bad: true},
	}
	for _, tt := range tests {
		got, forever, err := parsePeriod(tt.in)
		if (err != nil) != tt.bad || got != tt.want || forever != tt.forever {
			t.Errorf("parsePeriod(%q) = %v, forever %v, %v; want %v, forever %v, bad %v", tt.in, got, forever, err, tt.want, tt.forever, tt.bad)
		}
	}
}

func TestRetentionConfig(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		rules map[string]string // category → period of the rule applied; "" kept forever
	}{
		{"no section keeps everything", "", map[string]string{"complaint": "", "other": "", "": ""}},
		{"closed_for for every category", "[retention]\nclosed_for = \"1095d\"\n",
			map[string]string{"complaint": "26280h0m0s", "other": "26280h0m0s", "": "26280h0m0s"}},
		{"a category's own period", "[retention]\nclosed_for = \"1095d\"\n[retention.category]\ncomplaint = \"1825d\"\n",
			map[string]string{"complaint": "43800h0m0s", "other": "26280h0m0s"}},
		{"a category kept forever", "[retention]\nclosed_for = \"1095d\"\n[retention.category]\ncomplaint = \"forever\"\n",
			map[string]string{"complaint": "", "other": "26280h0m0s"}},
		{"only a category", "[retention.category]\nstatus_request = \"365d\"\n",
			map[string]string{"status_request": "8760h0m0s", "other": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, minimal+tt.body), PartRetention)
			if err != nil {
				t.Fatal(err)
			}
			policy := cfg.Retention.Policy()
			for category, want := range tt.rules {
				got := ""
				if policy != nil {
					if rule, ok := policy(category); ok {
						got = rule.Period.String()
						if !strings.HasPrefix(rule.Name, "retention.") {
							t.Errorf("rule of %q is named %q", category, rule.Name)
						}
					}
				}
				if got != want {
					t.Errorf("rule of category %q = %q, want %q", category, got, want)
				}
			}
		})
	}
}

func TestRetentionConfigErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name, body, key string
	}{
		{"zero", "[retention]\nclosed_for = \"0d\"\n", "retention.closed_for"},
		{"negative", "[retention]\nclosed_for = \"-30d\"\n", "retention.closed_for"},
		{"not a period", "[retention]\nclosed_for = \"three years\"\n", "retention.closed_for"},
		{"not a string", "[retention]\nclosed_for = 1095\n", "retention.closed_for"},
		{"bad category period", "[retention.category]\ncomplaint = \"-1h\"\n", "retention.category.complaint"},
		{"unknown category", "[retention.category]\naccess_loss = \"365d\"\n", "retention.category.access_loss"},
		{"unknown key", "[retention]\nkeep = \"1d\"\n", "retention.keep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(writeConfig(t, minimal+tt.body))
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("LoadConfig = %v, want a ConfigError naming %s", err, tt.key)
			}
		})
	}
	// Commands that do not purge do not read [retention].
	if _, err := LoadConfig(writeConfig(t, minimal+"[retention]\nclosed_for = \"0d\"\n"), PartStore); err != nil {
		t.Errorf("LoadConfig(PartStore) with a bad [retention] = %v", err)
	}
}
