package devserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// lineWriter turns what the server prints into log records: its JSON log lines
// keep their level, message and fields; anything else (the start banner) is
// logged as is at level. The last lines are kept in tail so a failed start can
// say why.
type lineWriter struct {
	log   *slog.Logger
	level slog.Level
	tail  *tailBuffer
	quiet *atomic.Bool // when set, everything is logged at debug
	buf   []byte
}

// Write logs every complete line in p and holds back a trailing partial one.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if line := strings.TrimSpace(string(w.buf[:i])); line != "" {
			w.emit(line)
			w.tail.add(line)
		}
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) emit(line string) {
	level, msg, attrs := w.level, line, []any(nil)
	var rec map[string]any
	if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &rec) == nil {
		msg, _ = rec["msg"].(string)
		if l, ok := rec["level"].(string); ok {
			_ = level.UnmarshalText([]byte(l))
		}
		for _, k := range slices.Sorted(maps.Keys(rec)) {
			if k != "msg" && k != "level" && k != "time" {
				attrs = append(attrs, k, rec[k])
			}
		}
	}
	if w.quiet.Load() {
		level = slog.LevelDebug
	}
	w.log.Log(context.Background(), level, msg, attrs...)
}

// tailBuffer is a bounded, concurrency-safe record of the latest lines.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// String is the retained lines, oldest first.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
