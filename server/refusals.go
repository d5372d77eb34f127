package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Refusals made before gqlbff's handlers run, each made a JSON errors
// answer like every other failure (DESIGN.md, HARDENING.md):
//
//   - Go's HTTP server answers a request it cannot read (headers over
//     MaxHeaderBytes plus its 4 KiB of read-ahead, a malformed request
//     line or header, an unsupported Transfer-Encoding or HTTP version)
//     with a plain-text body written straight to the connection.
//     jsonRefusals wraps the listener so that those answers go out as JSON;
//   - refusals (a middleware in front of every route) holds the headers to
//     MaxHeaderBytes exactly (431), closes the connection after a chunked
//     request (below), and makes the router's 404 and 405 JSON.

// cannedHeaders are the headers of the answers Go's server writes by
// itself (net/http's conn.serve): no handler's answer has them in this
// order, without a Date.
var cannedHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// jsonRefusals wraps ln so that the answers Go's server writes by itself
// are JSON. It works on plain connections: under TLS the server writes
// through the TLS connection, which this wrapper sits beneath, so only the
// refusal of plain HTTP sent to the HTTPS listener (written beneath TLS)
// is rewritten there.
func jsonRefusals(ln net.Listener, maxHeaderBytes int) net.Listener {
	return refusalListener{Listener: ln, maxHeaderBytes: maxHeaderBytes}
}

type refusalListener struct {
	net.Listener
	maxHeaderBytes int
}

func (l refusalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return refusalConn{Conn: c, maxHeaderBytes: l.maxHeaderBytes}, nil
}

type refusalConn struct {
	net.Conn
	maxHeaderBytes int
}

// Write sends Go's own answers as JSON, and everything else as it is. Go
// writes each of its answers whole, in one call.
func (c refusalConn) Write(p []byte) (int, error) {
	if j, ok := jsonCanned(p, c.maxHeaderBytes); ok {
		if _, err := c.Conn.Write(j); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite lets the server half-close after a 431, as it does on a bare
// TCP connection.
func (c refusalConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// plainToTLS is what Go's server writes, beneath TLS, to a connection
// that sent plain HTTP to an HTTPS listener (net/http's conn.serve).
var plainToTLS = []byte("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")

// jsonCanned rewrites one of Go's own answers as a JSON one.
func jsonCanned(p []byte, maxHeaderBytes int) ([]byte, bool) {
	const proto = "HTTP/1.1 "
	if bytes.Equal(p, plainToTLS) {
		return jsonAnswer(http.StatusBadRequest, refusalJSON("this port serves HTTPS only: the request was sent as plain HTTP")), true
	}
	// The status first: an answer of ours (2xx, 3xx) is never scanned.
	if len(p) < len(proto)+3 || (p[len(proto)] != '4' && p[len(proto)] != '5') ||
		!bytes.HasPrefix(p, []byte(proto)) || bytes.Index(p, cannedHeaders) < 0 {
		return nil, false
	}
	status, err := strconv.Atoi(string(p[len(proto) : len(proto)+3]))
	if err != nil || status < 400 {
		return nil, false
	}
	return jsonAnswer(status, refusalBody(status, maxHeaderBytes)), true
}

// jsonAnswer is a whole HTTP/1.1 answer of status with a JSON body, after
// which the connection closes.
func jsonAnswer(status int, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		status, http.StatusText(status), len(body))
	b.Write(body)
	return b.Bytes()
}

// refusalBody is the JSON errors body of a refusal made before the
// handlers, by its status.
func refusalBody(status, maxHeaderBytes int) []byte {
	var msg string
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		msg = fmt.Sprintf("the request's headers are over the limit of %d bytes", maxHeaderBytes)
	case http.StatusNotImplemented:
		msg = "the request's Transfer-Encoding is not supported"
	case http.StatusHTTPVersionNotSupported:
		msg = "the request's HTTP version is not supported"
	case http.StatusBadRequest:
		msg = "the HTTP request is malformed"
	default:
		msg = "the HTTP request was refused: " + http.StatusText(status)
	}
	return refusalJSON(msg)
}

// refusalJSON is the JSON errors body of a refusal: one BAD_USER_INPUT
// error saying msg.
func refusalJSON(msg string) []byte { return refusalJSONCode(CodeBadUserInput, msg) }

// refusalJSONCode is the JSON errors body of one error with code saying msg.
func refusalJSONCode(code, msg string) []byte {
	b, _ := json.Marshal(errorsOnly{Errors: gqlerror.List{newError(code, "%s", msg)}})
	return b
}

// refusals is the first handler of every request: headers over
// maxHeaderBytes (counted as they came: request line, field names and
// values, separators) are 431, whatever the 4 KiB Go's server reads ahead;
// a chunked request's connection is closed after its answer; and a
// plain-text error (the router's 404 and 405, a file server's 404: what
// http.Error writes) is answered as JSON.
//
// Go's server drops a request's Content-Length when it also has
// Transfer-Encoding: chunked, so a handler cannot tell the two apart; RFC
// 9112 §6.1 wants the connection closed after answering a request that
// has both (a request smuggled behind the body is otherwise answered), so
// every chunked HTTP/1 request has its connection closed. Clients send
// GraphQL requests with a Content-Length; a chunked one loses only the
// reuse of its connection.
func refusals(mux *http.ServeMux, maxHeaderBytes int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 1 && slices.Contains(r.TransferEncoding, "chunked") {
			w.Header().Set("Connection", "close")
		}
		if maxHeaderBytes > 0 && headerBytes(r) > maxHeaderBytes {
			w.Header().Set("Connection", "close")
			writeJSONRefusal(w, http.StatusRequestHeaderFieldsTooLarge, maxHeaderBytes)
			return
		}
		mux.ServeHTTP(&routerRefusal{ResponseWriter: w}, r)
	})
}

// headerBytes is the size of r's request line and header section as sent.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" && r.Header.Get("Host") == "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n
}

func writeJSONRefusal(w http.ResponseWriter, status, maxHeaderBytes int) {
	writeRefusal(w, status, refusalBody(status, maxHeaderBytes))
}

// writeRefusal answers status with the JSON body, its length said.
func writeRefusal(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// routerRefusal turns a plain-text error answer (http.Error's: the
// router's 404 and 405, a file server's 404) into a JSON one; the router's
// Allow header stays. Every other answer passes as it is.
type routerRefusal struct {
	http.ResponseWriter
	refused, wrote bool
}

func (w *routerRefusal) WriteHeader(status int) {
	if w.wrote {
		w.ResponseWriter.WriteHeader(status) // net/http logs the superfluous call
		return
	}
	w.wrote = true
	if status < 400 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.refused = true
	w.Header().Del("X-Content-Type-Options")
	msg := "no such path: GraphQL is served at /graphql"
	if status == http.StatusMethodNotAllowed {
		msg = "this path does not take the method of the request"
	}
	writeRefusal(w.ResponseWriter, status, refusalJSON(msg))
}

func (w *routerRefusal) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.refused {
		return len(p), nil // the plain text, replaced
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the connection's writer (flushes,
// deadlines).
func (w *routerRefusal) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps http.Flusher for the handlers that assert it.
func (w *routerRefusal) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if !w.wrote {
			w.WriteHeader(http.StatusOK)
		}
		f.Flush()
	}
}
