package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressMin is the smallest answer compressed: below it the encoding's
// framing and CPU cost more than the bytes saved.
const compressMin = 1024

// The encoders are pooled: a zstd encoder holds its window, a gzip one its
// tables, and making one per answer costs more than compressing it.
var (
	gzipPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
		return w
	}}
	zstdPool = sync.Pool{New: func() any {
		w, _ := zstd.NewWriter(io.Discard, zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<17), zstd.WithZeroFrames(true))
		return w
	}}
)

// compress encodes answers of compressMin bytes or more with zstd or gzip,
// whichever the request's Accept-Encoding prefers (zstd on a tie), and
// marks every answer Vary: Accept-Encoding. An answer that already has a
// Content-Encoding, a 204 or a 304 is left alone; a strong ETag becomes
// weak, since the bytes are no longer the identity encoding's.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		enc := chooseEncoding(r.Header.Get("Accept-Encoding"))
		if enc == "" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, enc: enc}
		defer cw.finish()
		next.ServeHTTP(cw, r)
	})
}

// chooseEncoding picks zstd or gzip from an Accept-Encoding header by its
// q-values; "" when neither is acceptable.
func chooseEncoding(header string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "zstd" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > 0 && (q > bestQ || (q == bestQ && name == "zstd")) {
			best, bestQ = name, q
		}
	}
	return best
}

// compressWriter holds the first compressMin bytes back: an answer that
// ends before them goes out as it is; one that reaches them is encoded.
type compressWriter struct {
	http.ResponseWriter
	enc         string
	status      int
	buf         []byte
	w           io.WriteCloser // the encoder, once encoding
	passthrough bool           // decided: not encoding
}

func (c *compressWriter) WriteHeader(status int) {
	if c.status != 0 || c.passthrough || c.w != nil {
		return
	}
	if status < 200 || status == http.StatusNoContent || status == http.StatusNotModified ||
		c.Header().Get("Content-Encoding") != "" {
		c.passthrough = true
		c.ResponseWriter.WriteHeader(status)
		return
	}
	c.status = status
}

func (c *compressWriter) Write(p []byte) (int, error) {
	if c.status == 0 && !c.passthrough && c.w == nil {
		c.WriteHeader(http.StatusOK)
	}
	switch {
	case c.passthrough:
		return c.ResponseWriter.Write(p)
	case c.w != nil:
		return c.w.Write(p)
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) < compressMin {
		return len(p), nil
	}
	h := c.Header()
	h.Set("Content-Encoding", c.enc)
	h.Del("Content-Length")
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		h.Set("ETag", "W/"+etag)
	}
	c.ResponseWriter.WriteHeader(c.status)
	if c.enc == "zstd" {
		z := zstdPool.Get().(*zstd.Encoder)
		z.Reset(c.ResponseWriter)
		c.w = z
	} else {
		g := gzipPool.Get().(*gzip.Writer)
		g.Reset(c.ResponseWriter)
		c.w = g
	}
	buf := c.buf
	c.buf = nil
	if _, err := c.w.Write(buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// finish sends what is held back, or ends the encoding and returns the
// encoder to its pool.
func (c *compressWriter) finish() {
	switch {
	case c.w != nil:
		_ = c.w.Close()
		switch e := c.w.(type) {
		case *zstd.Encoder:
			e.Reset(io.Discard)
			zstdPool.Put(e)
		case *gzip.Writer:
			e.Reset(io.Discard)
			gzipPool.Put(e)
		}
	case c.passthrough:
	default:
		if c.status == 0 {
			return // nothing was written: the server answers 200 empty
		}
		c.ResponseWriter.WriteHeader(c.status)
		if len(c.buf) > 0 {
			_, _ = c.ResponseWriter.Write(c.buf)
		}
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
