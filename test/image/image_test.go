// Package image_test builds gqlbff's container image and runs it: the
// Containerfile's runtime stage, FROM scratch, from a static binary built
// here (no registry is reachable from the test machines, so the Go and
// Node stages cannot run), as the non-root user with a read-only root
// filesystem; /healthz and a GraphQL query must answer, and SIGTERM must
// drain it and end it with exit code 0.
//
// It needs podman (or docker with a running engine); without one it skips,
// saying so. `make test-image` installs Debian's podman and runc first.
package image_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/internal/testkit"
	"github.com/gqlbff/gqlbff/server"
)

const root = "../.."

// engine is the container engine and the flags its run needs here.
type engine struct {
	bin     string
	global  []string // before the subcommand
	runArgs []string // after run
}

// findEngine returns podman, else docker when its engine answers; the
// reason for none otherwise.
func findEngine() (engine, string) {
	if bin, err := exec.LookPath("podman"); err == nil {
		e := engine{bin: bin}
		// crun refuses cgroup v1 hybrids ("cgroups in hybrid mode not
		// supported"), as this test's machines have; runc copes.
		if _, err := exec.LookPath("runc"); err == nil {
			e.global = append(e.global, "--runtime", "runc")
		}
		// podman raises RLIMIT_NOFILE and RLIMIT_NPROC by default, which
		// fails without CAP_SYS_RESOURCE (a sandbox); ask for limits at or
		// under this process's own.
		e.runArgs = append(e.runArgs, "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096")
		return e, ""
	}
	if bin, err := exec.LookPath("docker"); err == nil {
		if err := exec.Command(bin, "info").Run(); err != nil {
			return engine{}, "docker is a client only here (docker info: " + err.Error() + ") and podman is not installed: run make test-image, which installs Debian's podman"
		}
		return engine{bin: bin}, ""
	}
	return engine{}, "neither podman nor docker is installed: run make test-image, which installs Debian's podman"
}

func (e engine) cmd(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, e.bin, append(append([]string{}, e.global...), args...)...)
}

func (e engine) run(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	c := e.cmd(ctx, args...)
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", filepath.Base(e.bin), strings.Join(args, " "), err, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String())
}

// runtimeStage is the Containerfile from its runtime stage on.
func runtimeStage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	const from = "\nFROM scratch AS runtime\n"
	i := strings.Index(string(b), from)
	if i < 0 {
		t.Fatalf("Containerfile has no %q line", strings.TrimSpace(from))
	}
	stage := string(b[i+1:])
	if strings.Count(stage, "FROM ") != 1 {
		t.Fatal("the runtime stage must be the Containerfile's last")
	}
	return stage
}

// buildContext lays out what the Containerfile's build stage puts in
// /rootfs: the static binary, the CA certificates, passwd and group.
func buildContext(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"etc/ssl/certs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(rootfs, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	// CGO_ENABLED=0 as in the Containerfile, without its -trimpath: the
	// compiled packages are then the ones test/replicas builds.
	build := exec.CommandContext(ctx, "go", "build", "-ldflags=-s -w", "-o", filepath.Join(rootfs, "gqlbff"), "./cmd/gqlbff")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	copyFile := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rootfs, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("/etc/ssl/certs/ca-certificates.crt", "etc/ssl/certs/ca-certificates.crt")
	copyFile(filepath.Join(root, "deploy/container/passwd"), "etc/passwd")
	copyFile(filepath.Join(root, "deploy/container/group"), "etc/group")
	file := "FROM scratch AS build\nCOPY rootfs/ /rootfs/\n\n" + runtimeStage(t)
	if err := os.WriteFile(filepath.Join(dir, "Containerfile"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestImageServesAsNonRootOnAReadOnlyRoot(t *testing.T) {
	e, why := findEngine()
	if why != "" {
		t.Skip(why)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir := buildContext(t, ctx)
	tag := "localhost/gqlbff-imagetest:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	e.run(t, ctx, "build", "--quiet", "-f", filepath.Join(dir, "Containerfile"), "-t", tag, dir)
	t.Cleanup(func() { _ = e.cmd(context.Background(), "rmi", "-f", tag).Run() })

	if user := e.run(t, ctx, "image", "inspect", "--format", "{{.Config.User}}", tag); user != "65532:65532" {
		t.Errorf("image user: got %q, want 65532:65532 (non-root)", user)
	}

	port := testkit.FreePort(t)
	name := "gqlbff-imagetest-" + strconv.Itoa(port)
	args := append([]string{"run", "--detach", "--name", name, "--read-only",
		"--publish", "127.0.0.1:" + strconv.Itoa(port) + ":8080",
		"--env", "GQLBFF_HTTP_DRAIN_DELAY=500ms"}, e.runArgs...)
	args = append(args, tag, "--demo")
	e.run(t, ctx, args...)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := e.cmd(context.Background(), "logs", name).CombinedOutput()
			t.Logf("container logs:\n%s", out)
		}
		_ = e.cmd(context.Background(), "rm", "-f", "-t", "0", name).Run()
	})

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
			err = fmt.Errorf("status %d %s", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz of the container: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if ro := e.run(t, ctx, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name); ro != "true" {
		t.Errorf("the container's root filesystem: read-only %q, want true", ro)
	}

	jwt := server.Default().JWT
	jwt.Secret = server.DemoJWTSecret
	tok, err := auth.MintToken(jwt, "c1", server.ProfileWeb, server.DevScopes(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql",
		strings.NewReader(`{"query":"{ me { id name } dashboard { summary { orderCount } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data struct {
			Me struct {
				ID, Name string
			}
			Dashboard struct {
				Summary struct{ OrderCount int }
			}
		}
		Errors []json.RawMessage
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || len(got.Errors) > 0 || got.Data.Me.ID != "c1" || got.Data.Me.Name == "" || got.Data.Dashboard.Summary.OrderCount == 0 {
		t.Fatalf("query: got %d %+v (%v), want c1's name and the dashboard without errors", resp.StatusCode, got, err)
	}

	// The playground bundle is in the binary when it was built (make
	// playground-assets; the Containerfile's node stage always builds it).
	page, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /: got %d, want the playground", page.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(root, "server/playground/assets/playground.js")); errors.Is(err, os.ErrNotExist) {
		t.Log("the playground bundle is not built here (make playground-assets): not checking that the page is served without a CDN")
	} else if bytes.Contains(body, []byte("cdn.jsdelivr.net")) {
		t.Error("the playground page loads GraphiQL from a CDN although the bundle was built: it is not in the image's binary")
	}

	// gqlbff is the container's PID 1: the runtime's SIGTERM reaches it,
	// it drains and exits 0 well within the stop timeout.
	e.run(t, ctx, "stop", "--time", "20", name)
	if code := e.run(t, ctx, "inspect", "--format", "{{.State.ExitCode}}", name); code != "0" {
		t.Errorf("exit code after SIGTERM: got %s, want 0", code)
	}
	logs, _ := e.cmd(ctx, "logs", name).CombinedOutput()
	if !bytes.Contains(logs, []byte("draining")) {
		t.Errorf("no drain in the container's log after SIGTERM:\n%s", logs)
	}
}
