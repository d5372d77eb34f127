package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/gqlbff/gqlbff/server"
)

// rawClient sends Accept-Encoding as the test sets it and decodes nothing.
func rawClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func decode(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		g, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = g
	case "zstd":
		z, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("zstd: %v", err)
		}
		defer z.Close()
		r = z
	default:
		return b
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	return out
}

func TestCompressionByAcceptEncoding(t *testing.T) {
	h := newHarness(t)
	h.http = rawClient(t)
	big := `{ orders(first: 50) { edges { node { id status total { amount currency } customer { name } } } } }`
	small := `{ order(id: "o1") { id } }`
	cases := []struct {
		name, accept, query, want string
	}{
		{"gzip", "gzip", big, "gzip"},
		{"zstd", "zstd", big, "zstd"},
		{"both: zstd preferred", "gzip, deflate, br, zstd", big, "zstd"},
		{"q-values", "zstd;q=0.5, gzip;q=1.0", big, "gzip"},
		{"refused by q=0", "gzip;q=0, zstd;q=0", big, ""},
		{"none asked", "", big, ""},
		{"only what gqlbff does not do", "br, deflate", big, ""},
		{"small answer", "gzip, zstd", small, ""},
	}
	var plain int
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.query(tc.query, nil, "Accept-Encoding", tc.accept)
			if a.status != http.StatusOK {
				t.Fatalf("got %d %s", a.status, a.body)
			}
			if got := a.header.Get("Content-Encoding"); got != tc.want {
				t.Errorf("Content-Encoding %q, want %q", got, tc.want)
			}
			if v := strings.Join(a.header.Values("Vary"), ", "); !strings.Contains(v, "Accept-Encoding") {
				t.Errorf("Vary %q lacks Accept-Encoding", v)
			}
			body := decode(t, tc.want, a.body)
			h.t = t
			answer{status: a.status, body: body}.response(t)
			if tc.query == big && tc.want == "" {
				plain = len(body)
			}
			if tc.want != "" && len(a.body) >= len(body)/2 {
				t.Errorf("%s: %d bytes for %d, want well under half", tc.want, len(a.body), len(body))
			}
			if tc.query == big && len(body) < 1024 {
				t.Fatalf("the big answer is %d bytes, want over 1 KiB", len(body))
			}
		})
	}
	if plain == 0 {
		t.Error("no uncompressed big answer seen")
	}

	// GET answers keep their validators: the ETag of a compressed answer
	// is weak, and it still matches.
	q := url.Values{"query": {big}}
	get := h.get(q, "Accept-Encoding", "gzip")
	etag := get.header.Get("ETag")
	if get.header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("compressed GET: Content-Encoding %q, ETag %q; want gzip and a weak ETag", get.header.Get("Content-Encoding"), etag)
	}
	if again := h.get(q, "Accept-Encoding", "gzip", "If-None-Match", etag); again.status != http.StatusNotModified {
		t.Errorf("If-None-Match with the weak ETag: got %d, want 304", again.status)
	}
}

func TestCompressionCanBeTurnedOff(t *testing.T) {
	h := newHarness(t, withConfig(func(c *server.Config) { c.HTTP.Compression = false }))
	h.http = rawClient(t)
	a := h.query(`{ orders(first: 50) { edges { node { id status } } } }`, nil, "Accept-Encoding", "gzip, zstd")
	if a.header.Get("Content-Encoding") != "" || len(a.body) < 1024 {
		t.Errorf("compression off: Content-Encoding %q, %d bytes; want the identity", a.header.Get("Content-Encoding"), len(a.body))
	}
	a.response(t)
}
