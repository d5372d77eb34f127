package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestRedisLogIsOurs(t *testing.T) {
	var buf bytes.Buffer
	l := redisLog{slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v\n", 1, "refused")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("got %q, want one JSON line: %v", buf.String(), err)
	}
	if line["msg"] != "redis" || line["level"] != "DEBUG" || line["detail"] != "redis: connection pool: failed to dial after 1 attempts: refused" {
		t.Errorf("got %v", line)
	}
}
