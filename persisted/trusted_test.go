package persisted_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/persisted"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	// Write aside and rename, as deploy tools do: a reader sees the old
	// file or the new one.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestTrustedReloadsOnChangeAndKeepsTheOldOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	writeFile(t, path, []byte(`{"a": `+quote(ordersDoc)+`}`))
	p := &countingPricer{}
	tr, err := persisted.NewTrusted(path, testSchema, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { tr.Watch(ctx, 2*time.Millisecond) })
	defer func() { cancel(); wg.Wait() }()

	writeFile(t, path, []byte(`{"a": `+quote(ordersDoc)+`, "b": `+quote(orderDoc)+`}`))
	waitFor(t, "b after the reload", func() bool { _, ok := tr.Current().Lookup("b"); return ok })
	if tr.Reloads() != 1 {
		t.Errorf("reloads: got %d, want 1", tr.Reloads())
	}
	good := tr.Current()

	writeFile(t, path, []byte(`{"a": `+quote(ordersDoc)+`, "c": "query C { orders { nope } }"}`))
	waitFor(t, "the broken manifest to be refused", func() bool { return tr.Failures() == 1 })
	if tr.Current() != good {
		t.Error("a broken manifest replaced the one in force")
	}
	time.Sleep(20 * time.Millisecond) // several checks of the same broken file
	if n := tr.Failures(); n != 1 {
		t.Errorf("failures after more checks of the same file: got %d, want 1 (logged once)", n)
	}

	// The same bytes again: read, found unchanged, not parsed.
	calls := p.calls.Load()
	writeFile(t, path, []byte(`{"a": `+quote(ordersDoc)+`, "b": `+quote(orderDoc)+`}`))
	if err := tr.Reload(); err != nil {
		t.Fatal(err)
	}
	if tr.Current() != good || p.calls.Load() != calls {
		t.Errorf("unchanged content was parsed again (%d pricer calls, want %d)", p.calls.Load(), calls)
	}
}

func TestTrustedForcedReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	writeFile(t, path, []byte(`{"a": `+quote(ordersDoc)+`}`))
	tr, err := persisted.NewTrusted(path, testSchema, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, []byte(`{"b": `+quote(orderDoc)+`}`))
	if err := tr.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.Current().Lookup("b"); !ok {
		t.Error("b: not in force after Reload")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := tr.Reload(); err == nil {
		t.Error("a missing file: got no error")
	}
	if _, ok := tr.Current().Lookup("b"); !ok {
		t.Error("a missing file dropped the manifest in force")
	}
}

func TestTrustedRefusesToStartWithABrokenManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	writeFile(t, path, []byte(`{"bad": "query { nope }"}`))
	if _, err := persisted.NewTrusted(path, testSchema, nil, nil); err == nil {
		t.Error("got no error, want the broken manifest refused")
	}
	if _, err := persisted.NewTrusted(filepath.Join(t.TempDir(), "none.json"), testSchema, nil, nil); err == nil {
		t.Error("missing file: got no error")
	}
}
