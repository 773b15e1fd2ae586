package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
	"time"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/mailparse"
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

// TestDecodeLimitAboveGate wires the smallest memory limit, whose gate
// holds 16 MiB, with the default attachments.max_decode_mb of 128: an
// image that takes about 20 MB to check is over the gate but within the
// limit, so it goes through the gate alone and passes; with
// max_decode_mb = 16 it is refused before decoding. The image is a
// 200000×1 strip, whose thumbnail's filter weights are most of the 20 MB,
// so that the test decodes few pixels.
func TestDecodeLimitAboveGate(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 200_000, 1))); err != nil {
		t.Fatal(err)
	}
	part := mailparse.Part{Filename: "scan.png", Body: buf.Bytes()}

	cfg := Defaults()
	cfg.Daemon.MemoryLimitMB = 32
	in, err := newIntake(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Policy.MaxDecodeBytes; got != attachments.DefaultMaxDecodeBytes {
		t.Fatalf("newIntake(Defaults()).Policy.MaxDecodeBytes = %d, want %d", got, attachments.DefaultMaxDecodeBytes)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if v := attachments.Check(ctx, part, in.Policy); !v.Accepted {
		t.Errorf("Check(20 MB image, 16 MiB gate, max_decode_mb 128) = %s (%s), want accepted", v.Reason, v.Detail)
	}

	cfg.Attachments.MaxDecodeMB = 16
	if in, err = newIntake(cfg); err != nil {
		t.Fatal(err)
	}
	if v := attachments.Check(ctx, part, in.Policy); v.Reason != attachments.ReasonTooLargeToDecode {
		t.Errorf("Check(20 MB image, max_decode_mb 16) = %s (%s), want %s", v.Reason, v.Detail, attachments.ReasonTooLargeToDecode)
	}
}
