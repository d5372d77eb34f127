package driver

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// binaries are the programs of a run, built into its directory.
type binaries struct {
	gqlbff, limit, naive, load string
	// before is gqlbff built from another git ref, when asked for.
	before string
	// node runs the Node.js peers, when any is asked for.
	node string
}

// build compiles the binaries with go build -o: under load, nothing runs
// through go run.
func build(ctx context.Context, root, dir, beforeRef string) (binaries, error) {
	b := binaries{
		gqlbff: filepath.Join(dir, "gqlbff"),
		limit:  filepath.Join(dir, "limit"),
		naive:  filepath.Join(dir, "naive"),
		load:   filepath.Join(dir, "load"),
	}
	for out, pkg := range map[string]string{b.gqlbff: "./cmd/gqlbff", b.limit: "./bench/cmd/limit", b.naive: "./bench/cmd/naive", b.load: "./bench/cmd/load"} {
		if err := goBuild(ctx, root, out, pkg); err != nil {
			return b, err
		}
	}
	if beforeRef == "" {
		return b, nil
	}
	// The other ref's tree, extracted with git archive, builds against the
	// same module cache.
	src := filepath.Join(dir, "before-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return b, err
	}
	archive := exec.CommandContext(ctx, "sh", "-c", "git -C \"$0\" archive --format=tar \"$1\" | tar -x -C \"$2\"", root, beforeRef, src)
	if out, err := archive.CombinedOutput(); err != nil {
		return b, fmt.Errorf("git archive %s: %v: %s", beforeRef, err, out)
	}
	b.before = filepath.Join(dir, "gqlbff-before")
	return b, goBuild(ctx, src, b.before, "./cmd/gqlbff")
}

func goBuild(ctx context.Context, dir, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v: %s", pkg, err, strings.TrimSpace(string(b)))
	}
	return nil
}
