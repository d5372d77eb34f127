package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// csrfRefusedAudits are the graphql-http audits that gqlbff fails on
// purpose: GET requests without a CSRF preflight header, which CSRF
// prevention refuses (README, "Browsers").
var csrfRefusedAudits = map[string]string{
	"5A70": "MAY accept application/x-www-form-urlencoded formatted GET requests",
	"D6D5": "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json",
	"6A70": "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json",
}

// TestGraphQLOverHTTPAudit runs the graphql-http package's server audit
// (the GraphQL over HTTP specification's public conformance suite; npm,
// pinned in test/http-audit/package-lock.json and installed here when
// missing) against a started gqlbff. Every audit must pass but the GET
// forms CSRF prevention refuses on purpose.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	dir, err := filepath.Abs("../../test/http-audit")
	if err != nil {
		t.Fatal(err)
	}
	installAuditPackages(t, dir)

	// The audit sends no token: the web profile lets anonymous callers in.
	s := start(t, []string{"--demo"}, map[string]string{
		"GQLBFF_LISTEN": "127.0.0.1:0", "GQLBFF_PROFILE_WEB_ALLOW_ANONYMOUS": "true", "GQLBFF_LOG_LEVEL": "error",
	})
	base := waitFor(t, &s.stdout, servingRE, s.done)[1]

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "audit.mjs", base+"/graphql")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node audit.mjs: %v\n%s", err, out)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var r struct{ ID, Name, Status, Reason string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		n++
		if _, csrf := csrfRefusedAudits[r.ID]; r.Status != "ok" && !csrf {
			t.Errorf("%s %s: got %s (%s), want ok", r.ID, r.Name, r.Status, r.Reason)
		}
	}
	if n < 50 {
		t.Errorf("the audit reported %d results, want the whole suite (over 50):\n%s", n, out)
	}
}

// installAuditPackages runs npm ci in dir when its node_modules is missing
// or older than its lock file. Without node and npm the test is skipped,
// except in CI.
func installAuditPackages(t *testing.T, dir string) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not found: the GraphQL over HTTP audit needs Node.js 20+ and npm", tool)
			}
			t.Skipf("%s not found: the GraphQL over HTTP audit needs Node.js 20+ and npm", tool)
		}
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if inst, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !inst.ModTime().Before(lock.ModTime()) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in test/http-audit: %v\n%s", err, out)
	}
}
