package main

import (
	"errors"
	"strings"
	"testing"
)

func TestStoreURLOrPath(t *testing.T) {
	const url = "postgres://ticketd:s3cret@db.example/ticketd"
	tests := []struct {
		name     string
		store    string
		key      string // "": loads
		location string
	}{
		{"default path", "", "", "ticketd.db"},
		{"path", "[store]\npath = \"/var/lib/ticketd/t.db\"\n", "", "/var/lib/ticketd/t.db"},
		{"url", "[store]\nurl = \"" + url + "\"\n", "", url},
		{"both", "[store]\npath = \"t.db\"\nurl = \"" + url + "\"\n", "store.url", ""},
		{"not a PostgreSQL url", "[store]\nurl = \"mysql://x\"\n", "store.url", ""},
		{"neither", "[store]\npath = \"\"\n", "store.path", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, minimal+tt.store), PartStore)
			if tt.key == "" {
				if err != nil || cfg.Store.Location() != tt.location {
					t.Fatalf("LoadConfig = location %q, %v, want %q", cfg.Store.Location(), err, tt.location)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Key != tt.key {
				t.Fatalf("LoadConfig = %v, want a ConfigError naming %s", err, tt.key)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
	cfg := StoreConfig{URL: url}
	if got := cfg.Shown(); strings.Contains(got, "s3cret") || !strings.Contains(got, "db.example") {
		t.Errorf("Shown() = %q, want the URL without its password", got)
	}
}
