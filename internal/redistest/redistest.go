// Package redistest runs a real redis-server for tests: its own process on
// a free loopback port, stopped when the test ends. Only tests import it.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/testkit"
)

// Server is one redis-server process.
type Server struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
}

// Binary is the redis-server executable; `make test` installs it when it is
// missing.
const Binary = "redis-server"

// Start runs a redis-server on a free loopback port and stops it when t
// ends. It fails the test, saying how to get the binary, when there is none.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		t.Fatalf("%s not found: run `make test` (it installs Debian's redis-server) or apt-get install redis-server", Binary)
	}
	s := &Server{t: t, port: testkit.FreePort(t)}
	s.start()
	t.Cleanup(s.Kill)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the redis:// URL of the server (GQLBFF_REDIS_URL).
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts a fresh, empty server on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.start()
}

func (s *Server) start() {
	s.t.Helper()
	cmd := exec.Command(Binary,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes",
		"--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", Binary, err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ping(s.Addr()) {
			return
		}
		if time.Now().After(deadline) {
			s.Kill()
			s.t.Fatalf("%s did not answer PING on %s within 5s", Binary, s.Addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping speaks just enough RESP to know the server is up.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := fmt.Fprint(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}
