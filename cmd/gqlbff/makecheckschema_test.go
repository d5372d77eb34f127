package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeCheckSchema runs make check-schema in a copy of the repository's
// files made into a fresh git repository: with neither origin/main nor a
// release tag it says so and succeeds; with a tag v* it compares with the
// tag; with origin/main, with origin/main.
func TestMakeCheckSchema(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds gqlbff in a copy of the repository")
	}
	for _, tool := range []string{"make", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	repo := filepath.Join(t.TempDir(), "gqlbff")
	files, err := exec.Command("git", "-C", "../..", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join("../..", f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(repo, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	makeCheck := func() (string, error) {
		cmd := exec.Command("make", "--no-print-directory", "check-schema")
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "SCHEMA_BASE=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "fresh")

	out, err := makeCheck()
	if err != nil || !strings.Contains(out, "no origin/main and no release tag") {
		t.Fatalf("neither origin/main nor a tag: got %v, want a message and exit 0:\n%s", err, out)
	}

	git("tag", "v0.1.0")
	schema := filepath.Join(repo, "schema", "schema.graphqls")
	b, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `  email: String! @tag(name: "pii")`+"\n", "", 1)
	if edited == string(b) {
		t.Fatal("Customer.email is not in the schema")
	}
	if err := os.WriteFile(schema, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = makeCheck()
	if err == nil || !strings.Contains(out, "schema/ against v0.1.0") || !strings.Contains(out, "Customer.email") || !strings.Contains(out, "field removed  (used by Me") {
		t.Errorf("a used field removed since the tag: got %v, want a failure naming Customer.email:\n%s", err, out)
	}

	git("update-ref", "refs/remotes/origin/main", "HEAD")
	out, err = makeCheck()
	if err == nil || !strings.Contains(out, "schema/ against origin/main") {
		t.Errorf("with origin/main: got %v, want the check against origin/main:\n%s", err, out)
	}
}
