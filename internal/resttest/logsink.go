package resttest

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
)

// LogSink is a log destination a test reads while the node writes to it
// from other goroutines (give it to slog.NewJSONHandler).
type LogSink struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Records returns the JSON records written so far, in order; lines that
// are not JSON objects are skipped.
func (l *LogSink) Records() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(l.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m != nil {
			out = append(out, m)
		}
	}
	return out
}

// Record returns the first JSON record whose msg is msg, or nil.
func (l *LogSink) Record(msg string) map[string]any {
	for _, m := range l.Records() {
		if m["msg"] == msg {
			return m
		}
	}
	return nil
}
