package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The Node.js peers: gqlbff's schema over the same demo sources, with
// DataLoader, served by the libraries a team would otherwise pick
// (bench/node, its versions pinned by its package-lock.json).
var nodePeers = map[string]string{
	"apollo":    "apollo.mjs",    // Apollo Server 5
	"mercurius": "mercurius.mjs", // mercurius on Fastify, with graphql-jit
}

// nodeDir is where the peers' package lives, under the repository.
const nodeDir = "bench/node"

func isNodePeer(system string) bool {
	_, ok := nodePeers[strings.SplitN(system, "+", 2)[0]]
	return ok
}

// installNode makes bench/node's locked packages ready (npm ci, when its
// node_modules is missing or older than the lock file) and answers the node
// executable; an error says what is missing.
func installNode(ctx context.Context, root string, out io.Writer) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("node not found (the Node.js peers need Node.js 20.18 or later and npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", errors.New("npm not found (the Node.js peers need Node.js 20.18 or later and npm)")
	}
	dir := filepath.Join(root, nodeDir)
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", err
	}
	if done, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !done.ModTime().Before(lock.ModTime()) {
		return node, nil
	}
	if out != nil {
		fmt.Fprintf(out, "installing the Node.js peers' packages (npm ci in %s)\n", nodeDir)
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci in %s: %v: %s", nodeDir, err, strings.TrimSpace(string(b)))
	}
	return node, nil
}
