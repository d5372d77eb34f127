package logbuf_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/internal/logbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// writes records each write it is given.
type writes struct {
	mu  sync.Mutex
	got []string
	err error
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, string(p))
	return len(p), w.err
}

func (w *writes) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.got...)
}

func TestLinesAreHeldUntilFlushAndWrittenTogether(t *testing.T) {
	out := &writes{}
	w := logbuf.New(out, time.Hour, 1024)
	defer w.Close()
	for _, l := range []string{"a\n", "b\n", "c\n"} {
		if n, err := w.Write([]byte(l)); n != len(l) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", l, n, err)
		}
	}
	if got := out.all(); len(got) != 0 {
		t.Fatalf("written before a flush: %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.all(); len(got) != 1 || got[0] != "a\nb\nc\n" {
		t.Fatalf("after Flush: %q, want the three lines in one write", got)
	}
}

func TestAFullWriterWritesWithoutSplittingALine(t *testing.T) {
	out := &writes{}
	w := logbuf.New(out, time.Hour, 10)
	defer w.Close()
	for _, l := range []string{"1234\n", "5678\n", "abc\n", strings.Repeat("x", 20) + "\n", "end\n"} {
		_, _ = w.Write([]byte(l))
	}
	_ = w.Flush()
	want := []string{"1234\n5678\n", "abc\n", strings.Repeat("x", 20) + "\n", "end\n"}
	if got := out.all(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("writes %q, want %q", got, want)
	}
}

func TestHeldLinesAreWrittenAfterTheDelay(t *testing.T) {
	out := &writes{}
	w := logbuf.New(out, 10*time.Millisecond, 1024)
	defer w.Close()
	_, _ = w.Write([]byte("a\n"))
	deadline := time.Now().Add(10 * time.Second)
	for len(out.all()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a held line was not written after the delay")
		}
		time.Sleep(time.Millisecond)
	}
	_, _ = w.Write([]byte("b\n")) // the timer is armed again
	for len(out.all()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("a second held line was not written after the delay")
		}
		time.Sleep(time.Millisecond)
	}
	if got := out.all(); strings.Join(got, "") != "a\nb\n" {
		t.Fatalf("writes %q", got)
	}
}

func TestCloseWritesEverythingAndThenWritesGoStraightThrough(t *testing.T) {
	out := &writes{}
	w := logbuf.New(out, time.Hour, 1024)
	_, _ = w.Write([]byte("a\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("late\n"))
	if got := out.all(); strings.Join(got, "|") != "a\n|late\n" {
		t.Fatalf("writes %q, want the held line at Close and the late one at once", got)
	}
}

func TestAnErrorOfTheOutputIsReported(t *testing.T) {
	boom := errors.New("disk full")
	out := &writes{err: boom}
	w := logbuf.New(out, time.Hour, 1024)
	if _, err := w.Write([]byte("a\n")); err != nil {
		t.Fatalf("Write: %v, want nil (the line is held)", err)
	}
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush: %v, want %v", err, boom)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close: %v, want %v", err, boom)
	}
}

// A warning is written at once, after the lines logged before it; info
// lines are held.
func TestHandlerWritesAWarningAtOnce(t *testing.T) {
	out := &writes{}
	w := logbuf.New(out, time.Hour, 1<<10)
	defer w.Close()
	log := slog.New(logbuf.Handler(slog.NewJSONHandler(w, nil), w, slog.LevelWarn)).With("component", "test").WithGroup("g")
	log.Info("request", "n", 1)
	if got := out.all(); len(got) != 0 {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.Warn("careful", "n", 2)
	got := out.all()
	if len(got) != 1 {
		t.Fatalf("after a warning: %q, want one write", got)
	}
	lines := strings.Split(strings.TrimSuffix(got[0], "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"msg":"request","component":"test","g":{"n":1}`) || !strings.Contains(lines[1], `"level":"WARN","msg":"careful"`) {
		t.Fatalf("after a warning: %q, want the info line then the warning", got)
	}
	if !log.Handler().Enabled(context.Background(), slog.LevelInfo) || log.Handler().Enabled(context.Background(), slog.LevelDebug) {
		t.Error("the handler's level is not the wrapped handler's")
	}
}

// Lines written at once from many goroutines come out whole, each once.
func TestConcurrentLinesStayWhole(t *testing.T) {
	out := &writes{}
	w := logbuf.New(out, time.Millisecond, 256)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				_, _ = w.Write([]byte(strings.Repeat(string(rune('a'+g)), 1+i%40) + "\n"))
			}
		})
	}
	wg.Wait()
	_ = w.Close()
	var all bytes.Buffer
	for _, s := range out.all() {
		all.WriteString(s)
	}
	lines := strings.Split(strings.TrimSuffix(all.String(), "\n"), "\n")
	if len(lines) != 8*200 {
		t.Fatalf("%d lines, want %d", len(lines), 8*200)
	}
	for _, l := range lines {
		if strings.Trim(l, l[:1]) != "" {
			t.Fatalf("a line mixes two writes: %q", l)
		}
	}
}
