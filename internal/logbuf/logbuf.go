// Package logbuf gathers log lines into few writes. A server that logs a
// line per request made a write(2) per request, about 2% of its CPU under
// load (BENCHMARKS.md): a Writer holds the lines and writes them together
// when it holds its size in bytes or its delay after the first of them,
// whichever comes first. Handler writes a record at or above a level (a
// warning, an error) at once, with every line before it, and Close writes
// what is left: a process that stops and closes its Writer loses nothing;
// one that is killed outright (SIGKILL, out of memory, a panic outside a
// request) loses at most the last delay of lines.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// What gqlbff's log holds: at most DefaultDelay after the first line
// held, at most DefaultSize bytes of lines. A process killed outright
// loses at most the last DefaultDelay.
const (
	DefaultDelay = 100 * time.Millisecond
	DefaultSize  = 32 << 10
)

// Writer holds lines for out; it is safe for concurrent use. Each Write
// is kept whole: a line is never split between two writes to out.
type Writer struct {
	out   io.Writer
	size  int
	delay time.Duration

	mu     sync.Mutex
	buf    []byte
	timer  *time.Timer // armed while buf holds lines
	armed  bool
	closed bool
	err    error // the first error out gave, reported by Flush and Close
}

// New returns a Writer to out that writes once it holds size bytes, or
// delay after the first line it holds.
func New(out io.Writer, delay time.Duration, size int) *Writer {
	w := &Writer{out: out, size: size, delay: delay, buf: make([]byte, 0, size)}
	w.timer = time.AfterFunc(time.Hour, func() { _ = w.Flush() })
	w.timer.Stop()
	return w
}

// Write holds p, or writes it at once when it is larger than the Writer
// holds or the Writer is closed. It never fails: an error of out is
// reported by the next Flush or Close.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf)+len(p) > w.size {
		w.flushLocked()
	}
	if w.closed || len(p) > w.size {
		w.write(p)
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	if !w.armed {
		w.armed = true
		w.timer.Reset(w.delay)
	}
	return len(p), nil
}

// Flush writes what the Writer holds.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	return w.err
}

// Close writes what the Writer holds; later writes go to out at once.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
	w.closed = true
	return w.err
}

func (w *Writer) flushLocked() {
	if w.armed {
		w.armed = false
		w.timer.Stop()
	}
	if len(w.buf) > 0 {
		w.write(w.buf)
		w.buf = w.buf[:0]
	}
}

func (w *Writer) write(p []byte) {
	if _, err := w.out.Write(p); err != nil && w.err == nil {
		w.err = err
	}
}

// Handler returns h, writing to w, that flushes w after each record at or
// above level, so that a warning or an error is never held back.
func Handler(h slog.Handler, w *Writer, level slog.Level) slog.Handler {
	return flushing{Handler: h, w: w, level: level}
}

type flushing struct {
	slog.Handler
	w     *Writer
	level slog.Level
}

func (h flushing) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level {
		if ferr := h.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{Handler: h.Handler.WithAttrs(attrs), w: h.w, level: h.level}
}

func (h flushing) WithGroup(name string) slog.Handler {
	return flushing{Handler: h.Handler.WithGroup(name), w: h.w, level: h.level}
}
