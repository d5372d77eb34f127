package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// MaxManifestBytes bounds a manifest file: a guard against pointing gqlbff
// at the wrong file, far above any real set of operations.
const MaxManifestBytes = 64 << 20

// racyWindow is how recent a file's modification time may be before a
// check reads and hashes the file even though its time and size did not
// change: a rewrite within the file system's timestamp granularity keeps
// both (git's "racy clean" problem).
const racyWindow = 2 * time.Second

// Trusted holds the manifest in force. A reload parses and validates the
// new manifest aside and swaps it in atomically, so every request sees the
// old set or the new one, never a mix, and never waits for a reload; a
// manifest that fails to load leaves the old one in force.
type Trusted struct {
	path   string
	schema *ast.Schema
	pricer Pricer
	log    *slog.Logger
	cur    atomic.Pointer[Manifest]

	mu       sync.Mutex // serializes reloads
	seen     fileState
	lastErr  string // the last refusal logged, not repeated every check
	refused  string // the SHA-256 of the last content refused
	failures atomic.Uint64
	reloads  atomic.Uint64
	onLoad   func(*Manifest) // under mu
}

// OnLoad has f called with the manifest in force now and with every
// manifest a reload brings into force (the server checks each profile's
// contract there).
func (t *Trusted) OnLoad(f func(*Manifest)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.onLoad = f
	f(t.Current())
}

// fileState is what a check compares to decide whether to read the file.
type fileState struct {
	mod  time.Time
	size int64
	racy bool
}

// NewTrusted loads the manifest at path, validated against schema and
// priced by pricer (nil: no pricing). It fails when the manifest does: a
// server does not start with a broken manifest.
func NewTrusted(path string, schema *ast.Schema, pricer Pricer, log *slog.Logger) (*Trusted, error) {
	t := newTrusted(path, schema, pricer, log)
	if _, err := t.reload(true); err != nil {
		return nil, err
	}
	return t, nil
}

// NewTrustedBytes holds a manifest that is not a file (one built into the
// binary): it never reloads.
func NewTrustedBytes(data []byte, schema *ast.Schema, pricer Pricer, log *slog.Logger) (*Trusted, error) {
	m, err := Parse(data, schema, pricer)
	if err != nil {
		return nil, err
	}
	t := newTrusted("", schema, pricer, log)
	t.cur.Store(m)
	return t, nil
}

func newTrusted(path string, schema *ast.Schema, pricer Pricer, log *slog.Logger) *Trusted {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Trusted{path: path, schema: schema, pricer: pricer, log: log}
	t.cur.Store(&Manifest{})
	return t
}

// Current is the manifest in force; never nil.
func (t *Trusted) Current() *Manifest { return t.cur.Load() }

// Path is the manifest's file, "" for one built into the binary.
func (t *Trusted) Path() string { return t.path }

// Reloads counts the manifests swapped in after the first.
func (t *Trusted) Reloads() uint64 { return t.reloads.Load() }

// Failures counts the reloads refused (the old manifest stayed in force).
func (t *Trusted) Failures() uint64 { return t.failures.Load() }

// Reload reads the file now (SIGHUP): a changed, valid manifest replaces
// the one in force; a broken one is refused, logged and counted, and the
// old one stays. A manifest not from a file has nothing to reload.
func (t *Trusted) Reload() error {
	if t.path == "" {
		return nil
	}
	_, err := t.reload(true)
	return err
}

// Watch checks the file every interval until ctx is done, reloading it
// when it changed: its modification time or size differ, or it was
// modified too recently to trust them. Unchanged content (same SHA-256) is
// not parsed again.
func (t *Trusted) Watch(ctx context.Context, every time.Duration) {
	if t.path == "" || every <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_, _ = t.reload(false)
		}
	}
}

// reload reads, checks and swaps the manifest; force skips the stat
// shortcut. It reports whether a new manifest came into force.
func (t *Trusted) reload(force bool) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fi, err := os.Stat(t.path)
	if err != nil {
		return false, t.refuse(fmt.Errorf("manifest %s: %w", t.path, err), force)
	}
	st := fileState{mod: fi.ModTime(), size: fi.Size()}
	if !force && !t.seen.racy && st.mod.Equal(t.seen.mod) && st.size == t.seen.size {
		return false, nil
	}
	data, err := readFile(t.path)
	if err != nil {
		return false, t.refuse(err, force)
	}
	// A file caught half written is still racy: the next check reads it
	// again even if the writer finished within the timestamp granularity.
	st.racy = time.Since(st.mod) < racyWindow
	t.seen = st
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	switch {
	case digest == t.Current().Digest():
		t.lastErr = ""
		return false, nil
	case digest == t.refused && !force:
		return false, nil // refused already; nothing new to say
	}
	m, err := Parse(data, t.schema, t.pricer)
	if err != nil {
		t.refused = digest
		return false, t.refuse(fmt.Errorf("manifest %s: %w", t.path, err), force)
	}
	first := t.Current().Digest() == ""
	t.cur.Store(m)
	t.lastErr = ""
	if !first {
		t.reloads.Add(1)
	}
	t.log.Info("trusted documents loaded", "manifest", t.path, "documents", m.Len(), "sha256", m.Digest())
	if t.onLoad != nil {
		t.onLoad(m)
	}
	return true, nil
}

// refuse counts and logs a failed reload once per distinct problem (every
// time when forced), not at every check while the file stays broken.
func (t *Trusted) refuse(err error, force bool) error {
	if t.Current().Digest() == "" || (!force && err.Error() == t.lastErr) {
		return err
	}
	t.lastErr = err.Error()
	t.failures.Add(1)
	t.log.Error("manifest refused; the previous one stays in force", "manifest", t.path, "error", err)
	return err
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("manifest %s: %w", path, errors.New("over 64 MiB"))
	}
	return data, nil
}
