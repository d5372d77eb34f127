package server

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/internal/redistest"
)

// TestUsageOfInputObjects: gqlbff's schema has no input object yet; on one
// that has, a document's input fields (literal, nested, in lists) and those
// a variable's value sets are coordinates, as its enum values are.
func TestUsageOfInputObjects(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
type Query { search(filter: Filter, page: Int): [Int] }
input Filter { status: [Status!], range: Range, text: String }
input Range { from: Int, to: Int }
enum Status { OPEN CLOSED LOST }
`})
	doc, errs := gqlparser.LoadQuery(schema, `query Q($f: Filter, $r: Range) {
  a: search(filter: {status: [OPEN], range: {from: 1}}) 
  b: search(filter: $f, page: 2)
  c: search(filter: {range: $r})
}`)
	if errs != nil {
		t.Fatal(errs)
	}
	d := operationUsage(doc, doc.Operations[0])
	want := []string{"Filter.range", "Filter.status", "Query.search", "Query.search(filter:)", "Query.search(page:)", "Range.from", "Status.OPEN"}
	if !slices.Equal(d.coords, want) {
		t.Errorf("coordinates %v, want %v", d.coords, want)
	}
	if len(d.vars) != 2 || d.vars[0].name != "f" || d.vars[1].name != "r" {
		t.Fatalf("variables %+v, want f and r", d.vars)
	}
	var got []string
	got = valueCoordinates(schema, d.vars[0].typ, map[string]any{"status": []any{"CLOSED", "LOST", "CLOSED"}, "text": "x"}, got)
	got = valueCoordinates(schema, d.vars[1].typ, map[string]any{"to": 3}, got)
	slices.Sort(got)
	want = []string{"Filter.status", "Filter.text", "Range.to", "Status.CLOSED", "Status.LOST"}
	if !slices.Equal(got, want) {
		t.Errorf("from the variables %v, want %v", got, want)
	}
}

// TestUsageStoreWindow: Redis keeps counts per hour; a report reads the
// hours of its window only, summing counts and keeping the latest use.
func TestUsageStoreWindow(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	cfg := Default()
	cfg.Redis.URL = rs.URL()
	cfg.Redis.Timeout = time.Second
	s, err := newUsageStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	old := now.Add(-72 * time.Hour)
	web := UsageClient{Profile: "web", Name: "app", Version: "1"}
	at := func(t time.Time) int64 { return t.UnixMilli() / 3_600_000 }
	ctx := context.Background()
	if err := s.add(ctx, map[int64]map[string]usageDelta{
		at(old): {usageField("Query.me", web): {3, old.UnixMilli()}},
		at(now): {usageField("Query.me", web): {2, now.Add(-time.Second).UnixMilli()}, usageField("Query.order", web): {1, now.UnixMilli()}},
	}); err != nil {
		t.Fatal(err)
	}
	// A later, smaller last use does not lower it.
	if err := s.add(ctx, map[int64]map[string]usageDelta{at(now): {usageField("Query.me", web): {1, now.Add(-time.Hour).UnixMilli()}}}); err != nil {
		t.Fatal(err)
	}
	day, err := s.read(ctx, now.Add(-24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if got := day[web]["Query.me"]; got.Count != 3 || !got.LastSeen.Equal(now.Add(-time.Second)) {
		t.Errorf("last day: Query.me %+v, want 3 uses, last %s", got, now.Add(-time.Second))
	}
	week, err := s.read(ctx, now.Add(-7*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if got := week[web]["Query.me"]; got.Count != 6 {
		t.Errorf("last week: Query.me %+v, want 6 uses", got)
	}
	if got := week[web]["Query.order"]; got.Count != 1 || len(week) != 1 || len(week[web]) != 2 {
		t.Errorf("last week: %+v, want Query.me and Query.order of app only", week)
	}
	counts, _ := usageKeys(at(now))
	if ttl := s.rdb.TTL(ctx, counts).Val(); ttl <= 30*24*time.Hour || ttl > 31*24*time.Hour {
		t.Errorf("an hour's counts expire in %s, want the retention and an hour", ttl)
	}
}

// TestUsageFlushKeepsCountsWhileRedisIsDown: a flush that fails keeps its
// counts for the next one; nothing is lost, nothing counted twice.
func TestUsageFlushKeepsCountsWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	cfg := Default()
	cfg.Redis.URL = rs.URL()
	cfg.Redis.Timeout = 200 * time.Millisecond
	s, err := newUsageStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg.Usage.FlushInterval = time.Hour // flushed by hand below
	u := newUsageRecorder(resolveProfiles(cfg.Profiles), gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int }`}), 10, cfg.Usage, s, nil)
	defer u.Close()
	doc := &usageDoc{coords: []string{"Query.a"}}
	c := UsageClient{Profile: "web", Name: "x"}
	u.record(c, doc, nil, time.Now().UnixNano())
	if err := u.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs.Kill()
	u.record(c, doc, nil, time.Now().UnixNano())
	u.record(c, doc, []string{"Query.b"}, time.Now().UnixNano())
	if err := u.flush(context.Background()); err == nil {
		t.Fatal("flush with Redis down: no error")
	}
	rs.Restart() // empty: only what is flushed from now on
	if err := u.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := u.flush(context.Background()); err != nil { // nothing new
		t.Fatal(err)
	}
	got, err := s.read(context.Background(), time.Now().Add(-time.Hour), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got[c]["Query.a"].Count != 2 || got[c]["Query.b"].Count != 1 {
		t.Errorf("after Redis came back: %+v, want the 2 uses of Query.a and 1 of Query.b it missed", got)
	}
}

// TestUsageFlushOnClose: closing the recorder (the handler's Close, at
// shutdown) adds the counts not yet flushed.
func TestUsageFlushOnClose(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	cfg := Default()
	cfg.Redis.URL = rs.URL()
	s, err := newUsageStore(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg.Usage.FlushInterval = time.Hour
	u := newUsageRecorder(resolveProfiles(cfg.Profiles), gqlparser.MustLoadSchema(&ast.Source{Input: `type Query { a: Int }`}), 10, cfg.Usage, s, nil)
	c := UsageClient{Profile: "web", Name: "x"}
	u.record(c, &usageDoc{coords: []string{"Query.a"}}, nil, time.Now().UnixNano())
	u.Close()
	got, err := s.read(context.Background(), time.Now().Add(-time.Hour), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got[c]["Query.a"].Count != 1 {
		t.Errorf("after Close: %+v, want the use of Query.a", got)
	}
}
