package server_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestOperationNameIsBounded: issue 12 found a 900 KB operationName echoed
// in the answer and written whole into the request's log lines.
// HARDENING.md's 128 characters hold for the request's operationName as
// for the names in the document: 400 BAD_USER_INPUT, the name neither in
// the answer nor in the log.
func TestOperationNameIsBounded(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	long := strings.Repeat("N", 900<<10)
	q := `query Q { dashboard { __typename } }`
	for _, tc := range []struct {
		name string
		do   func() answer
	}{
		{"POST, 900 KB", func() answer { return h.postJSON(map[string]any{"query": q, "operationName": long}) }},
		{"POST, 129", func() answer { return h.postJSON(map[string]any{"query": q, "operationName": long[:129]}) }},
		{"GET, 1000", func() answer { return h.get(url.Values{"query": {q}, "operationName": {long[:1000]}}) }},
		{"documentId, 129", func() answer {
			return h.postJSON(map[string]any{"documentId": "sha256:00", "operationName": long[:129]})
		}},
	} {
		a := tc.do()
		r := a.response(t)
		if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" ||
			!strings.Contains(r.Errors[0].Message, "over the limit of 128") {
			t.Errorf("%s: got %d %.300s, want 400 BAD_USER_INPUT", tc.name, a.status, a.body)
		}
		if strings.Contains(string(a.body), "NNNN") {
			t.Errorf("%s: the answer echoes the name", tc.name)
		}
	}
	if logs.contains("NNNN") {
		t.Errorf("the log holds the name")
	}
	if a := h.postJSON(map[string]any{"query": `query ` + long[:128] + ` { dashboard { __typename } }`, "operationName": long[:128]}); a.status != http.StatusOK {
		t.Errorf("a name of 128: got %d %.300s, want 200", a.status, a.body)
	}
	if n := h.calls(); n != 0 {
		t.Errorf("source calls: got %d, want 0", n)
	}
}

// TestBadTimeArgumentIsBadUserInput: a Time the scalar cannot read is the
// caller's mistake (issue 12: summary(since: "yesterday") answered
// INTERNAL and logged at ERROR), as a literal or as a variable.
func TestBadTimeArgumentIsBadUserInput(t *testing.T) {
	var logs syncBuffer
	h := newHarness(t, withLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	for _, tc := range []struct {
		name string
		q    string
		vars map[string]any
	}{
		{"literal", `{ dashboard { summary(since: "yesterday") { orderCount } } }`, nil},
		{"variable", `query($s: Time) { dashboard { summary(since: $s) { orderCount } } }`, map[string]any{"s": "yesterday"}},
		{"number", `query($s: Time) { dashboard { summary(since: $s) { orderCount } } }`, map[string]any{"s": 1733400000}},
	} {
		a := h.query(tc.q, tc.vars)
		r := a.response(t, "dashboard.summary")
		// gqlgen puts an argument's error at the argument's path.
		e, ok := r.ErrorAt("dashboard.summary.since")
		if !ok || e.Code() != "BAD_USER_INPUT" || strings.Contains(e.Message, "yesterday") || string(r.Data) != `{"dashboard":{"summary":null}}` {
			t.Errorf("%s: got %d %s, want BAD_USER_INPUT at dashboard.summary.since, the value not echoed", tc.name, a.status, a.body)
		}
	}
	if lines := logs.lines(t, "internal error"); len(lines) != 0 {
		t.Errorf("logged as internal errors: %v", lines)
	}
	a := h.query(`{ dashboard { summary(since: "2026-01-02T15:04:05Z") { orderCount } } }`, nil)
	if r := a.response(t); a.status != http.StatusOK || len(r.Errors) != 0 {
		t.Errorf("an RFC 3339 time: got %d %s", a.status, a.body)
	}
}

// rawExchange writes raw bytes to a running gqlbff and reads every answer
// until the server closes the connection (or 3 s pass: then closed is
// false).
func rawExchange(t *testing.T, addr, raw string) (answers []answer, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			return answers, !(errors.As(err, &ne) && ne.Timeout())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Close { // ReadResponse takes the header out
			resp.Header.Set("Connection", "close")
		}
		answers = append(answers, answer{status: resp.StatusCode, header: resp.Header, body: body})
	}
}

// TestRefusalsBeforeTheHandlersAreJSON: what Go's HTTP server and the
// router answer by themselves (issue 12: plain text) is a JSON errors body
// with a code, like every other failure; headers are held to
// http.maxHeaderBytes exactly (33 KiB passed a 32 KiB limit).
func TestRefusalsBeforeTheHandlersAreJSON(t *testing.T) {
	t.Parallel()
	r := startRun(t, nil)
	pad := func(n int) string { return "X-Pad: " + strings.Repeat("a", n) + "\r\n" }
	cases := []struct {
		name, raw string
		status    int
		allow     string
	}{
		{"headers of 33 KiB, past the limit but within Go's read-ahead", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + pad(33<<10) + "\r\n", 431, ""},
		{"headers of 40 KiB, refused by Go's server", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + pad(40<<10) + "\r\n", 431, ""},
		{"a malformed request line", "GARBAGE\r\n\r\n", 400, ""},
		{"a malformed header", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400, ""},
		{"no Host header", "GET /healthz HTTP/1.1\r\n\r\n", 400, ""},
		{"an unsupported Transfer-Encoding", "POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, ""},
		{"HTTP/3.0", "GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505, ""},
		{"a path no route takes", "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, ""},
		{"a method the path does not take", "DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, "GET, HEAD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			answers, _ := rawExchange(t, r.addr, tc.raw)
			if len(answers) != 1 {
				t.Fatalf("got %d answers, want 1", len(answers))
			}
			a := answers[0]
			if a.status != tc.status || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				t.Fatalf("got %d %q %s, want %d JSON", a.status, a.header.Get("Content-Type"), a.body, tc.status)
			}
			if res := a.response(t); len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" || res.Errors[0].Message == "" {
				t.Errorf("body %s: want one BAD_USER_INPUT error", a.body)
			}
			if tc.allow != "" && a.header.Get("Allow") != tc.allow {
				t.Errorf("Allow: got %q, want %q", a.header.Get("Allow"), tc.allow)
			}
		})
	}
	// Within the limit, the same request is served.
	answers, _ := rawExchange(t, r.addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+pad(31<<10)+"\r\n")
	if len(answers) != 1 || answers[0].status != http.StatusOK {
		t.Errorf("headers of 31 KiB: got %v, want one 200", answers)
	}
}

// TestContentLengthWithChunkedClosesTheConnection: RFC 9112 §6.1: a request
// with both Content-Length and Transfer-Encoding is answered, then its
// connection closed, so that a request smuggled behind its body is never
// answered (issue 12: it was).
func TestContentLengthWithChunkedClosesTheConnection(t *testing.T) {
	r := startRun(t, nil)
	tok := bearer(token("c1", "web", allScopes...))
	body := `{"query":"{ dashboard { __typename } }"}`
	chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	smuggled := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	raw := "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " + tok + "\r\n" +
		"Content-Length: " + strconv.Itoa(len(chunked)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + smuggled
	answers, closed := rawExchange(t, r.addr, raw)
	if len(answers) != 1 || answers[0].status != http.StatusOK || !strings.Contains(string(answers[0].body), `"__typename":"Dashboard"`) {
		t.Fatalf("got %d answers %v, want the POST's 200 alone", len(answers), answers)
	}
	if !closed || answers[0].header.Get("Connection") != "close" {
		t.Errorf("closed %v, Connection %q: want the connection closed after the answer", closed, answers[0].header.Get("Connection"))
	}
	// A request with a Content-Length keeps its connection.
	raw = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " + tok + "\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	if answers, _ := rawExchange(t, r.addr, raw); len(answers) != 2 {
		t.Errorf("keep-alive: got %d answers, want 2", len(answers))
	}
}

// TestRepeatedKeysInARequestAre400: encoding/json keeps the last of a
// repeated key, and a proxy in front may read the first: a body (or a
// GET's variables or extensions) that repeats a key anywhere, or a GET
// that gives a parameter twice, is refused (issue 12: the last won).
func TestRepeatedKeysInARequestAre400(t *testing.T) {
	h := newHarness(t)
	q := `query($id: ID!) { order(id: $id) { id } }`
	for _, tc := range []struct {
		name string
		req  rawRequest
	}{
		{"query twice", rawPost(`{"query":"{ dashboard { __typename } }","query":"{ me { id } }"}`)},
		{"query and an escaped query", rawPost(`{"query":"{ dashboard { __typename } }","\u0071uery":"{ me { id } }"}`)},
		{"a variable twice", rawPost(`{"query":"` + q + `","variables":{"id":"o1","id":"o2"}}`)},
		{"a key twice deep in a variable", rawPost(`{"query":"` + q + `","variables":{"id":"o1","x":[{"a":1},{"b":1,"b":2}]}}`)},
		{"extensions twice", rawPost(`{"query":"` + q + `","variables":{"id":"o1"},"extensions":{},"extensions":{}}`)},
		{"GET: query twice", rawGet(url.Values{"query": {"{ dashboard { __typename } }", "{ me { id } }"}})},
		{"GET: variables repeating a key", rawGet(url.Values{"query": {q}, "variables": {`{"id":"o1","id":"o2"}`}})},
	} {
		a := h.send(tc.req)
		if r := a.response(t); a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: got %d %s, want 400 BAD_USER_INPUT", tc.name, a.status, a.body)
		}
	}
	// The same key in different objects is no repeat.
	a := h.send(rawPost(`{"query":"` + q + `","variables":{"id":"o1","x":[{"id":1},{"id":2}],"y":{"id":{"id":3}}}}`))
	if r := a.response(t); a.status != http.StatusOK || string(r.Data) != `{"order":{"id":"o1"}}` {
		t.Errorf("the same key in different objects: got %d %s, want 200", a.status, a.body)
	}
	if n := h.calls(); n != 1 {
		t.Errorf("source calls: got %d, want 1", n)
	}
}
