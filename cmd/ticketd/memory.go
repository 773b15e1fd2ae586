package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/ticketd/ticketd/attachments"
	"github.com/ticketd/ticketd/daemon"
)

// applyMemoryLimit gives the Go runtime the soft memory limit of
// daemon.memory_limit_mb: past it the garbage collector runs more often
// and returns freed memory to the system at once, instead of letting the
// heap grow to twice what is in use. The limit is soft: a letter that
// needs more still gets it. GOMEMLIMIT, when set, wins over the file. It
// returns the limit in bytes, 0 for none.
func applyMemoryLimit(cfg DaemonConfig, log *slog.Logger) int64 {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info("memory limit from GOMEMLIMIT; daemon.memory_limit_mb not applied", "GOMEMLIMIT", v)
		return 0
	}
	if cfg.MemoryLimitMB <= 0 {
		return 0
	}
	limit := int64(cfg.MemoryLimitMB) << 20
	debug.SetMemoryLimit(limit)
	return limit
}

// decodeGate bounds the memory that decoded images take at once, across
// the letters read in parallel: half of daemon.memory_limit_mb, or 64 MiB
// without a limit. An image larger than the gate but within
// attachments.max_decode_mb, such as a 12-megapixel photo that must be
// turned (43 MB) under the default limit, waits until the gate is empty
// and is decoded alone; attachments.max_decode_mb, not the gate, is what
// refuses an image.
func decodeGate(cfg DaemonConfig) *attachments.Gate {
	size := int64(64 << 20)
	if cfg.MemoryLimitMB > 0 {
		size = int64(cfg.MemoryLimitMB) << 20 / 2
	}
	return attachments.NewGate(size)
}

// leanWhile lowers the garbage collector's target until the function it
// returns is called: for starting up, when compiling the rules and loading
// the model make most of their memory garbage at once, and the heap
// would otherwise double before it is collected, raising the process's
// peak for good (its pages stay counted in the resident set).
func leanWhile() (restore func()) {
	was := debug.SetGCPercent(daemon.DefaultLeanGCPercent)
	return func() { debug.SetGCPercent(was) }
}
