package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/server"
)

// demoOperations returns the committed demo manifest's operations by name.
func demoOperations(t *testing.T) map[string]persisted.ApolloOperation {
	t.Helper()
	b, err := os.ReadFile("../../server/demomanifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m persisted.ApolloManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	ops := map[string]persisted.ApolloOperation{}
	for _, op := range m.Operations {
		ops[op.Name] = op
	}
	return ops
}

func writeManifest(t *testing.T, path string, ops ...persisted.ApolloOperation) {
	t.Helper()
	var b bytes.Buffer
	m := persisted.ApolloManifest{Format: persisted.ApolloFormat, Version: 1, Operations: ops}
	if err := m.Encode(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp", b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

var servingAt = regexp.MustCompile(`serving GraphQL at (http://\S+)\n`)

func TestServeReloadsTheManifestOnSIGHUP(t *testing.T) {
	ops := demoOperations(t)
	path := filepath.Join(t.TempDir(), "manifest.json")
	writeManifest(t, path, ops["Me"])
	env := map[string]string{
		"GQLBFF_LISTEN":                    "127.0.0.1:0",
		"GQLBFF_PERSISTED_MANIFEST":        path,
		"GQLBFF_PERSISTED_RELOAD_INTERVAL": "0s", // only SIGHUP reloads
		"GQLBFF_LOG_LEVEL":                 "error",
		"GQLBFF_HTTP_DRAIN_DELAY":          "0s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"--demo"}, func(k string) string { return env[k] }, out, io.Discard) }()

	var url string
	waitUntil(t, "the server to start", func() bool {
		m := servingAt.FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	demoJWT := server.Default().JWT
	demoJWT.Secret = server.DemoJWTSecret
	tok, err := auth.MintToken(demoJWT, "p1", server.ProfilePartner, server.DevScopes(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	dashboard := func() int {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"documentId":"`+ops["Dashboard"].ID+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := dashboard(); s != http.StatusBadRequest {
		t.Fatalf("Dashboard before the reload: got %d, want 400 (not in the manifest)", s)
	}
	writeManifest(t, path, ops["Me"], ops["Dashboard"])
	time.Sleep(50 * time.Millisecond)
	if s := dashboard(); s != http.StatusBadRequest {
		t.Fatalf("Dashboard before SIGHUP, with polling off: got %d, want 400", s)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "Dashboard served after SIGHUP", func() bool { return dashboard() == http.StatusOK })
	http.DefaultClient.CloseIdleConnections()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
