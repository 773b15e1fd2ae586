package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Report is every figure of one run, as written to the -out file.
type Report struct {
	Machine  Machine    `json:"machine"`
	Settings Settings   `json:"settings"`
	Small    *SetResult `json:"small"`
	Big      *SetResult `json:"big,omitempty"`
	Latency  *Latency   `json:"latency,omitempty"`
	Memory   *Memory    `json:"memory,omitempty"`
	Scale    *Scale     `json:"scale,omitempty"`
	// Backends is (b) and (c) on each store backend of -backends, side
	// by side; SQLite's are the figures of Small and Latency.
	Backends []BackendResult `json:"backends,omitempty"`
	Fleet    *Fleet          `json:"fleet,omitempty"`
	Goals    []Goal          `json:"goals"`
}

// Settings are the flags the run was made with.
type Settings struct {
	Letters         int      `json:"letters"`
	BigLetters      int      `json:"big_letters,omitempty"`
	SMTPConnections int      `json:"smtp_connections"`
	LatencyLetters  int      `json:"latency_letters"`
	LatencyGap      string   `json:"latency_gap"`
	Seed            uint64   `json:"seed"`
	Backends        []string `json:"backends,omitempty"`
	FleetLetters    int      `json:"fleet_letters_per_mailbox,omitempty"`
}

// SetResult is (a) and (b) over one set of letters.
type SetResult struct {
	Letters    int        `json:"letters"`
	MB         float64    `json:"mb"`
	Floor      Floor      `json:"floor"`
	IngestOnly Ingest     `json:"ingest_only"`
	EndToEnd   []EndToEnd `json:"end_to_end"`
}

// Floor is (a): the bare network work.
type Floor struct {
	DownloadS float64 `json:"download_s"` // one UID FETCH 1:* BODY.PEEK[], median of 3
	SendS     float64 `json:"send_s"`     // the acknowledgements over one SMTP connection
	TotalS    float64 `json:"total_s"`    // download + send
	AckBytes  int     `json:"ack_bytes"`  // mean size of an acknowledgement
	// SendParallelS is the same acknowledgements sent over
	// ParallelConnections connections at once: not part of the floor, it
	// shows how much faster the server takes mail over several.
	SendParallelS       float64 `json:"send_parallel_s,omitempty"`
	ParallelConnections int     `json:"parallel_connections,omitempty"`
	// MailpitCPUS is the CPU time Mailpit used taking the letters over one
	// connection: on a machine that runs both, it is work ticketd's
	// end-to-end run shares the cores with.
	MailpitCPUS float64 `json:"mailpit_cpu_s,omitempty"`
}

// Ingest is ticketd storing the letters with their acknowledgements queued,
// sending nothing.
type Ingest struct {
	Seconds             float64 `json:"seconds"`
	LettersPerS         float64 `json:"letters_per_s"`
	DownloadLettersPerS float64 `json:"download_letters_per_s"`
	VsDownload          float64 `json:"vs_download"` // ingest rate / download rate
}

// EndToEnd is (b): from start until Mailpit holds every acknowledgement.
type EndToEnd struct {
	How             string  `json:"how"` // "binary" (ticketd run) or "in-process"
	SMTPConnections int     `json:"smtp_connections"`
	Seconds         float64 `json:"seconds"`
	IngestDoneS     float64 `json:"ingest_done_s"`  // when the last ticket was stored
	FloorOverE2E    float64 `json:"floor_over_e2e"` // (a)/(b)
	PeakRSSMB       float64 `json:"peak_rss_mb,omitempty"`
	CPUS            float64 `json:"cpu_s,omitempty"`          // CPU time ticketd used, user and system (binary only)
	MailpitCPUS     float64 `json:"mailpit_cpu_s,omitempty"`  // CPU time Mailpit used meanwhile (binary only)
	PostgresCPUS    float64 `json:"postgres_cpu_s,omitempty"` // CPU time the PostgreSQL server used meanwhile (binary on PostgreSQL only)
}

// Latency is (c).
type Latency struct {
	Letters      int     `json:"letters"`
	GapMS        int64   `json:"gap_ms"`
	IMAPIdle     bool    `json:"imap_idle"`
	PollInterval string  `json:"poll_interval"`
	MinMS        float64 `json:"min_ms"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	MaxMS        float64 `json:"max_ms"`
}

// Memory is (d): the peak RSS of "ticketd run -once" over each letter of
// memoryLetters, and over an empty mailbox.
type Memory struct {
	Runs          int            `json:"runs"`            // runs of each letter
	BaselineRSSMB Range          `json:"baseline_rss_mb"` // ticketd run -once on an empty mailbox
	Letters       []MemoryLetter `json:"letters"`
}

// MemoryLetter is (d) over one letter.
type MemoryLetter struct {
	Name         string  `json:"name"`
	LetterMB     float64 `json:"letter_mb"`
	Files        int     `json:"files"`
	Accepted     int     `json:"accepted"`
	MaxMessageMB int     `json:"max_message_mb"`
	PeakRSSMB    Range   `json:"peak_rss_mb"`
	CPUSeconds   Range   `json:"cpu_s"` // CPU time of the whole run -once, start-up included
}

// Range is one figure over several runs.
type Range struct {
	Min  float64   `json:"min"`
	Max  float64   `json:"max"`
	Runs []float64 `json:"runs"`
}

// String prints the range in MB as "97–98", or "97" when the runs agree.
func (r Range) String() string {
	lo, hi := fmt.Sprintf("%.0f", r.Min), fmt.Sprintf("%.0f", r.Max)
	if lo == hi {
		return lo
	}
	return lo + "–" + hi
}

// Scale is the ingest-only cost per letter as the mailbox grows.
type Scale struct {
	Points   []ScalePoint `json:"points"`
	Marginal *Marginal    `json:"marginal,omitempty"`
}

// ScalePoint is one mailbox size, read into a fresh database.
type ScalePoint struct {
	Letters             int     `json:"letters"`
	IngestS             float64 `json:"ingest_s"`
	PerLetterMS         float64 `json:"per_letter_ms"`
	DownloadPerLetterMS float64 `json:"download_per_letter_ms"`
	DatabaseMB          float64 `json:"database_mb"`
}

// Marginal is the cost of more letters over a database already holding
// Stored letters.
type Marginal struct {
	Stored      int     `json:"stored"`
	Letters     int     `json:"letters"`
	PerLetterMS float64 `json:"per_letter_ms"`
}

// Goal is one target of the issue and whether this run met it.
type Goal struct {
	Name   string  `json:"name"`
	Target string  `json:"target"`
	Value  float64 `json:"value"`
	Met    bool    `json:"met"`
}

// goals judges the report against the targets. They are reported, never
// enforced.
func (r *Report) goals() {
	var gs []Goal
	add := func(name, target string, v float64, met bool) {
		gs = append(gs, Goal{Name: name, Target: target, Value: v, Met: met})
	}
	for _, set := range []struct {
		name string
		res  *SetResult
	}{{"small", r.Small}, {"big", r.Big}} {
		if set.res == nil {
			continue
		}
		for _, e := range set.res.EndToEnd {
			if e.How != "binary" {
				continue
			}
			if e.SMTPConnections == 1 {
				add(set.name+": (a)/(b), one SMTP connection", ">= 0.5", e.FloorOverE2E, e.FloorOverE2E >= 0.5)
			} else {
				add(fmt.Sprintf("%s: (a)/(b), %d SMTP connections", set.name, e.SMTPConnections), "> 1.0", e.FloorOverE2E, e.FloorOverE2E > 1)
			}
		}
		add(set.name+": ingest-only rate / download rate", ">= 0.25", set.res.IngestOnly.VsDownload, set.res.IngestOnly.VsDownload >= 0.25)
	}
	if r.Latency != nil {
		add("p99 arrival to acknowledgement, ms", "< 1000", r.Latency.P99MS, r.Latency.P99MS < 1000)
	}
	if r.Memory != nil {
		for _, m := range r.Memory.Letters {
			add(fmt.Sprintf("peak RSS reading a %.0f MB letter (%s), MB", m.LetterMB, m.Name), "< 64", m.PeakRSSMB.Max, m.PeakRSSMB.Max < 64)
		}
	}
	if r.Scale != nil && len(r.Scale.Points) > 1 {
		first, last := r.Scale.Points[0], r.Scale.Points[len(r.Scale.Points)-1]
		growth := last.PerLetterMS / first.PerLetterMS
		add(fmt.Sprintf("ingest cost per letter at %d / at %d", last.Letters, first.Letters), "<= 1.25 (flat)", growth, growth <= 1.25)
		if m := r.Scale.Marginal; m != nil {
			g := m.PerLetterMS / first.PerLetterMS
			add(fmt.Sprintf("cost per letter over %d stored / at %d", m.Stored, first.Letters), "<= 1.25 (flat)", g, g <= 1.25)
		}
	}
	r.Goals = gs
}

// write stores the report as indented JSON at path.
func (r *Report) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printGoals prints the goals as a table.
func (r *Report) printGoals(w io.Writer) {
	fmt.Fprintln(w, "goals (reported, not enforced):")
	for _, g := range r.Goals {
		mark := "met"
		if !g.Met {
			mark = "NOT met"
		}
		fmt.Fprintf(w, "  %-52s %10.3f  target %-16s %s\n", g.Name, g.Value, g.Target, mark)
	}
}
