package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit checks that doc/ticketd.service keeps the directives it
// must have: a dedicated user, the reload, and the sandbox.
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "doc", "ticketd.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		default:
			k, v, _ := strings.Cut(line, "=")
			got[section+k] = append(got[section+k], v)
		}
	}
	want := map[string]string{
		"Type": "simple", "User": "ticketd", "ExecStart": "/usr/local/bin/ticketd run -config /etc/ticketd/ticketd.toml",
		"ExecReload": "/bin/kill -HUP $MAINPID", "Restart": "on-failure", "ProtectSystem": "strict",
		"ReadWritePaths": "/var/lib/ticketd", "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes",
		"ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "CapabilityBoundingSet": "", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "SystemCallFilter": "@system-service", "StateDirectory": "ticketd",
		"ConfigurationDirectory": "ticketd", "UMask": "0077",
	}
	for k, v := range want {
		vs := got["[Service]"+k]
		found := false
		for _, x := range vs {
			found = found || x == v
		}
		if !found {
			t.Errorf("[Service] %s = %q, want %q among them", k, vs, v)
		}
	}
	if got["[Install]WantedBy"] == nil {
		t.Error("[Install] WantedBy missing")
	}
}
