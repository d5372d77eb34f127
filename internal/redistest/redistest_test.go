package redistest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartKillRestart(t *testing.T) {
	s := Start(t)
	if !ping(s.Addr()) {
		t.Fatalf("got no PONG from %s, want one", s.Addr())
	}
	s.Kill()
	if ping(s.Addr()) {
		t.Fatalf("got a PONG after Kill, want none")
	}
	s.Restart()
	if !ping(s.Addr()) {
		t.Fatalf("got no PONG after Restart, want one")
	}
}
