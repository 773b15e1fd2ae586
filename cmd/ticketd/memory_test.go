package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestApplyMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name      string
		mb        int
		env       string
		want      int64 // returned
		wantLimit int64 // the runtime's limit afterwards
	}{
		{"default", 64, "", 64 << 20, 64 << 20},
		{"off", 0, "", 0, math.MaxInt64},
		{"GOMEMLIMIT wins", 64, "100MiB", 0, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			t.Setenv("GOMEMLIMIT", tt.env)
			got := applyMemoryLimit(DaemonConfig{MemoryLimitMB: tt.mb}, log)
			if limit := debug.SetMemoryLimit(-1); got != tt.want || limit != tt.wantLimit {
				t.Errorf("applyMemoryLimit(%d MB, GOMEMLIMIT=%q) = %d, runtime limit %d; want %d, %d",
					tt.mb, tt.env, got, limit, tt.want, tt.wantLimit)
			}
		})
	}
}

func TestIntakeDecodesBehindAGate(t *testing.T) {
	in, err := newIntake(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if in.Policy.Gate == nil {
		t.Errorf("newIntake(Defaults()).Policy.Gate = nil, want a gate bounding decoded images")
	}
}
