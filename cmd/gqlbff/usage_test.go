package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestUsageCommand runs an operation on gqlbff --demo as a named client
// and reads the usage back with gqlbff usage.
func TestUsageCommand(t *testing.T) {
	const key = "usage-admin-key-0123456789abcdef-0123"
	s := start(t, []string{"--demo"}, map[string]string{
		"GQLBFF_LISTEN": "127.0.0.1:0", "GQLBFF_ADMIN_LISTEN": "localhost:0", "GQLBFF_ADMIN_KEY": key,
	})
	base := waitFor(t, &s.stdout, servingRE, s.done)[1]
	auth := waitFor(t, &s.stdout, tokenRE, s.done)[1]
	admin := waitFor(t, &s.stdout, regexp.MustCompile(`admin: (http://[^\s]+)/\n`), s.done)[1]
	env := getenv(map[string]string{"GQLBFF_ADMIN_KEY": key})
	var stdout, stderr bytes.Buffer
	// Before any use, the deprecated Query.customer is safe to remove.
	if err := run(context.Background(), []string{"usage", "--admin", admin, "--safe-to-remove"}, env, &stdout, &stderr); err != nil || stdout.String() != "Query.customer\n" {
		t.Fatalf("usage --safe-to-remove before any use: %v %q %s, want Query.customer", err, stdout.String(), stderr.String())
	}
	req, _ := http.NewRequest("POST", base+"/graphql", strings.NewReader(`{"query":"{ customer(id: \"c1\") { id name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	req.Header.Set("apollographql-client-name", "ios")
	req.Header.Set("apollographql-client-version", "3.2")
	resp, err := client(t).Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("query: %v %v", resp, err)
	}
	resp.Body.Close()
	stdout.Reset()
	if err := run(context.Background(), []string{"usage", "--admin", admin, "--days", "2"}, env, &stdout, &stderr); err != nil {
		t.Fatalf("usage: %v %s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"COORDINATE", "Query.customer(id:)", "Customer.name", "web/ios@3.2",
		"window: this replica, since it started", "deprecated: Query.customer\n", "safe to remove (deprecated, unused in the window): none"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage output lacks %q:\n%s", want, out)
		}
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"usage", "--admin", admin, "--safe-to-remove"}, env, &stdout, &stderr); err != nil || stdout.Len() != 0 {
		t.Errorf("usage --safe-to-remove after a use of Query.customer: %v %q, want nothing", err, stdout.String())
	}
	if err := run(context.Background(), []string{"usage", "--admin", admin, "--key", "wrong"}, nil, &stdout, &stderr); err == nil {
		t.Error("a wrong key: want an error")
	}
	var ue usageError
	if err := run(context.Background(), []string{"usage", "--admin", admin, "--days", "0"}, env, &stdout, &stderr); !errors.As(err, &ue) {
		t.Errorf("--days 0: %v, want a usage error", err)
	}
	if err := run(context.Background(), []string{"usage", "--admin", "127.0.0.1:9090"}, env, &stdout, &stderr); !errors.As(err, &ue) || !strings.Contains(err.Error(), "want the admin listener's URL") {
		t.Errorf("--admin without a scheme: %v, want a usage error naming the URL it wants", err)
	}
	if err := run(context.Background(), []string{"usage", "--admin", admin, "--days", "400"}, env, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "400 Bad Request") {
		t.Errorf("--days 400, beyond the retention: %v, want the server's 400", err)
	}
}
