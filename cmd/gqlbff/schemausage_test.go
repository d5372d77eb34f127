package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// usageBase is the base schema of the usage tests.
const usageBase = `type Query { customer(id: ID!, tier: Tier): Customer orders(first: Int): [Order!] }
type Customer { id: ID! name: String! nickname: String tier: Tier }
type Order { id: ID! total: Int note: String legacy: String @deprecated(reason: "use note") old: String @deprecated }
enum Tier { STANDARD GOLD }
`

// writeUsage writes a usage export as GET /usage answers it: ios used
// nickname 2 days ago and the tier argument 1 day ago; android used
// Order.note 40 days ago and Order.old an hour ago.
func writeUsage(t *testing.T, path string, now time.Time) {
	t.Helper()
	at := func(d time.Duration) map[string]any {
		return map[string]any{"count": 3, "lastSeen": now.Add(-d).UTC().Format(time.RFC3339Nano)}
	}
	day := 24 * time.Hour
	exp := map[string]any{"clients": []map[string]any{
		{"profile": "web", "name": "ios", "version": "3.2", "coordinates": map[string]any{
			"Query.customer": at(day), "Query.customer(id:)": at(day), "Query.customer(tier:)": at(day),
			"Customer.id": at(2 * day), "Customer.nickname": at(2 * day), "Tier.STANDARD": at(day),
		}},
		{"profile": "mobile", "name": "android", "version": "", "coordinates": map[string]any{
			"Query.orders": at(time.Hour), "Order.id": at(time.Hour), "Order.old": at(time.Hour), "Order.note": at(40 * day),
		}},
	}}
	b, err := json.Marshal(exp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// emptyManifest writes a manifest without operations: only the clients'
// usage counts.
func emptyManifest(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "empty-manifest.json")
	if err := os.WriteFile(p, []byte(`{"format":"apollo-persisted-query-manifest","version":1,"operations":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSchemaCheckAgainstUsage: a breaking change fails the check when a
// client of the usage export used what it touches within the window, and
// the output names the coordinate, the clients and their last use; a
// change nobody used within the window passes.
func TestSchemaCheckAgainstUsage(t *testing.T) {
	dir := t.TempDir()
	usage := filepath.Join(dir, "usage.json")
	writeUsage(t, usage, time.Now())
	manifest := emptyManifest(t, dir)
	base := filepath.Join(dir, "base.graphqls")
	if err := os.WriteFile(base, []byte(usageBase), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to string
		days           string
		fail           bool
		want           []string // in the output
		not            []string // not in the output
	}{
		{name: "a used field removed", from: "nickname: String ", to: "", fail: true,
			want: []string{"Customer.nickname", "field removed", "web/ios@3.2 (Customer.nickname, last 20"}, not: []string{"android"}},
		{name: "an unused field removed", from: "total: Int ", to: "", fail: false,
			want: []string{"BREAKING", "Order.total", "0 used by trusted documents or clients"}},
		{name: "a field used before the window removed", from: "note: String ", to: "", days: "30", fail: false,
			want: []string{"Order.note", "window 30 days"}, not: []string{"android"}},
		{name: "a field used within a wider window removed", from: "note: String ", to: "", days: "60", fail: true,
			want: []string{"mobile/android@- (Order.note, last 20"}},
		{name: "an enum value a client sent removed", from: "enum Tier { STANDARD GOLD }", to: "enum Tier { GOLD }", fail: true,
			want: []string{"Tier.STANDARD", "enum value removed", "web/ios@3.2 (Tier.STANDARD, last 20"}},
		{name: "an enum value no client sent removed", from: "enum Tier { STANDARD GOLD }", to: "enum Tier { STANDARD }", fail: false,
			want: []string{"Tier.GOLD", "enum value removed"}, not: []string{"ios"}},
		{name: "a required argument added to a used field", from: "orders(first: Int)", to: "orders(first: Int, status: String!)", fail: true,
			want: []string{"Query.orders(status:)", "mobile/android@- (Query.orders, last"}},
		{name: "an optional argument added to a used field", from: "orders(first: Int)", to: "orders(first: Int, status: String)", fail: false,
			want: []string{"SAFE", "Query.orders(status:)"}},
		{name: "a used output made nullable", from: "name: String!", to: "name: String", fail: false,
			want: []string{"Customer.name"}},
		{name: "a deprecated field used within the window removed", from: "old: String @deprecated ", to: "", fail: true,
			want: []string{"Order.old", "mobile/android@-"}},
		{name: "a deprecated, unused field removed", from: `legacy: String @deprecated(reason: "use note") `, to: "", fail: false,
			want: []string{"Order.legacy", "field removed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tree := filepath.Join(t.TempDir(), "schema")
			if err := os.MkdirAll(tree, 0o755); err != nil {
				t.Fatal(err)
			}
			edited := strings.Replace(usageBase, tc.from, tc.to, 1)
			if edited == usageBase {
				t.Fatalf("the edit %q does not apply", tc.from)
			}
			if err := os.WriteFile(filepath.Join(tree, "schema.graphqls"), []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"schema", "check", "--base", base, "--schema", tree, "--manifest", manifest, "--usage", usage}
			if tc.days != "" {
				args = append(args, "--days", tc.days)
			}
			checkRun(t, args, nil, tc.fail, tc.want, tc.not)
		})
	}

	// No change: the deprecated coordinate nobody used within the window
	// is listed as safe to remove; the one android used is not.
	var stdout, stderr bytes.Buffer
	tree := filepath.Join(dir, "same")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "schema.graphqls"), []byte(usageBase), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"schema", "check", "--base", base, "--schema", tree, "--manifest", manifest, "--usage", usage}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("no change: %v %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "deprecated and unused for 30 days (safe to remove): Order.legacy\n") {
		t.Errorf("no change: the output does not list Order.legacy alone as safe to remove:\n%s", stdout.String())
	}

	// Bad flags are usage errors.
	for _, bad := range [][]string{
		{"--usage", usage, "--admin", "http://127.0.0.1:1"},
		{"--usage", usage, "--days", "0"},
		{"--admin", "127.0.0.1:9090"},
	} {
		args := append([]string{"schema", "check", "--base", base, "--schema", tree}, bad...)
		var ue usageError
		if err := run(context.Background(), args, nil, &stdout, &stderr); !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", bad, err)
		}
	}
	if err := run(context.Background(), []string{"schema", "check", "--base", base, "--schema", tree, "--usage", base}, nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "want the JSON of GET /usage") {
		t.Errorf("a usage file that is not JSON: got %v", err)
	}
}

// TestSchemaCheckAgainstRunningServer runs operations on gqlbff --demo as
// two clients, then checks edits of the project's schema against the
// server's usage read through its admin listener.
func TestSchemaCheckAgainstRunningServer(t *testing.T) {
	const key = "schema-check-admin-key-0123456789abcdef"
	s := start(t, []string{"--demo"}, map[string]string{
		"GQLBFF_LISTEN": "127.0.0.1:0", "GQLBFF_ADMIN_LISTEN": "localhost:0", "GQLBFF_ADMIN_KEY": key,
	})
	base := waitFor(t, &s.stdout, servingRE, s.done)[1]
	auth := waitFor(t, &s.stdout, tokenRE, s.done)[1]
	admin := waitFor(t, &s.stdout, regexp.MustCompile(`admin: (http://[^\s]+)/\n`), s.done)[1]
	c := client(t)
	query := func(name, version, q string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"query": q})
		req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		req.Header.Set("apollographql-client-name", name)
		req.Header.Set("apollographql-client-version", version)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", q, resp.StatusCode)
		}
	}
	query("ios", "3.2", `{ customer(id: "c1") { id name tier } }`)
	query("android", "1.0", `{ orders(first: 2, status: PAID) { edges { node { id status } } } }`)

	manifest := emptyManifest(t, t.TempDir())
	cases := []struct {
		name, from, to string
		fail           bool
		want, not      []string
	}{
		{"a field ios used removed", "  tier: CustomerTier!\n", "", true,
			[]string{"Customer.tier", "web/ios@3.2 (Customer.tier, last "}, []string{"android"}},
		{"a field android used removed", "  status: OrderStatus!\n", "", true,
			[]string{"Order.status", "web/android@1.0 (Order.status, last "}, []string{"ios"}},
		{"an enum value android sent removed", "  PAID\n", "", true,
			[]string{"OrderStatus.PAID", "enum value removed", "web/android@1.0 (OrderStatus.PAID, last "}, []string{"ios"}},
		{"an enum value nobody sent removed", "  CANCELLED\n", "", false,
			[]string{"OrderStatus.CANCELLED", "enum value removed"}, []string{"ios", "android"}},
		{"a field nobody used removed", "  lastOrderAt: Time\n", "", false,
			[]string{"CustomerStats.lastOrderAt", "field removed"}, []string{"ios", "android"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tree := filepath.Join(t.TempDir(), "schema")
			copySchema(t, "../../schema", tree, tc.from, tc.to)
			checkRun(t, []string{"schema", "check", "--base", "../../schema", "--schema", tree, "--manifest", manifest, "--admin", admin, "--days", "1"},
				getenv(map[string]string{"GQLBFF_ADMIN_KEY": key}), tc.fail, append(tc.want, "usage: 2 clients in "+admin), tc.not)
		})
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"schema", "check", "--base", "../../schema", "--manifest", manifest, "--admin", admin, "--key", "wrong-key"}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong admin key: got %v, want the 401 named", err)
	}
}

// checkRun runs gqlbff with args: it must fail with errBreakingUsed when
// fail, else succeed, and print each of want and none of not.
func checkRun(t *testing.T, args []string, env func(string) string, fail bool, want, not []string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, env, &stdout, &stderr)
	if fail != errors.Is(err, errBreakingUsed) || (!fail && err != nil) {
		t.Errorf("got %v, want failure %v; output:\n%s%s", err, fail, stdout.String(), stderr.String())
	}
	for _, w := range want {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("the output lacks %q:\n%s", w, stdout.String())
		}
	}
	for _, w := range not {
		if strings.Contains(stdout.String(), w) {
			t.Errorf("the output has %q:\n%s", w, stdout.String())
		}
	}
}
