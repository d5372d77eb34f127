package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout          = 2 * time.Second
	DefaultMaxResponseBytes = 8 << 20
)

// ClientConfig configures the HTTP client of one source.
type ClientConfig struct {
	// URL is the service's base URL, such as http://127.0.0.1:9001.
	URL string
	// Timeout bounds one attempt; the request's own deadline bounds the rest.
	Timeout time.Duration
	// MaxResponseBytes caps an answer's body; a larger one is a bad response.
	MaxResponseBytes int64
	// ForwardAuthorization sends the caller's Authorization header along.
	ForwardAuthorization bool
	// Transport is the round tripper to use; nil means a tuned default.
	Transport http.RoundTripper
}

// client speaks JSON over HTTP to one source and turns every failure into an
// *Error of the right kind.
type client struct {
	name    string
	base    string
	cfg     ClientConfig
	httpc   *http.Client
	headers func(context.Context, http.Header)
}

func newClient(name string, cfg ClientConfig) *client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	rt := cfg.Transport
	if rt == nil {
		rt = newTransport()
	}
	return &client{
		name:  name,
		base:  strings.TrimRight(cfg.URL, "/"),
		cfg:   cfg,
		httpc: &http.Client{Transport: rt, CheckRedirect: noRedirects},
	}
}

// newTransport is tuned for many concurrent batch calls to one host.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 0, // the per-attempt context bounds it
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     false,
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// close releases idle connections.
func (c *client) close() {
	c.httpc.CloseIdleConnections()
}

// get calls GET base+path?query and decodes the JSON answer into out.
func (c *client) get(ctx context.Context, op, path string, query url.Values, out any) error {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return c.fail(op, 0, ErrUnavailable, err)
	}
	c.setHeaders(ctx, req.Header)

	resp, err := c.httpc.Do(req)
	if err != nil {
		return c.fail(op, 0, c.kindOf(ctx, actx, ErrUnavailable), err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		// Drain a little so a small error body does not cost the connection.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return c.statusError(op, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return c.fail(op, resp.StatusCode, c.kindOf(ctx, actx, ErrUnavailable), err)
	}
	if int64(len(body)) > c.cfg.MaxResponseBytes {
		return c.fail(op, resp.StatusCode, ErrBadResponse, fmt.Errorf("answer over %d bytes", c.cfg.MaxResponseBytes))
	}
	if err := decode(body, out); err != nil {
		return c.fail(op, resp.StatusCode, ErrBadResponse, err)
	}
	return nil
}

// decode reads a JSON answer into out and checks it against the contract.
func decode(body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return err
	}
	if v, ok := out.(validator); ok {
		return v.validate()
	}
	return nil
}

// kindOf tells a timeout from other transport failures: the attempt's or
// the request's deadline passing is a timeout, anything else is def.
func (c *client) kindOf(parent, attempt context.Context, def error) error {
	if errors.Is(parent.Err(), context.DeadlineExceeded) || errors.Is(attempt.Err(), context.DeadlineExceeded) {
		return ErrTimeout
	}
	return def
}

func (c *client) statusError(op string, resp *http.Response) error {
	code := resp.StatusCode
	switch {
	case code == http.StatusNotFound:
		return c.fail(op, code, ErrNotFound, nil)
	case code == http.StatusTooManyRequests || code >= 500:
		e := &Error{Source: c.name, Op: op, Status: code, Kind: ErrUnavailable}
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		return e
	default:
		return c.fail(op, code, ErrBadResponse, fmt.Errorf("unexpected status %d", code))
	}
}

func (c *client) fail(op string, status int, kind, cause error) error {
	return &Error{Source: c.name, Op: op, Status: status, Kind: kind, Err: cause}
}

func (c *client) setHeaders(ctx context.Context, h http.Header) {
	m := MetaFrom(ctx)
	h.Set("Accept", "application/json")
	if m.RequestID != "" {
		h.Set("X-Request-Id", m.RequestID)
	}
	if m.TraceParent != "" {
		h.Set("Traceparent", m.TraceParent)
	}
	if m.UserID != "" {
		h.Set("X-User-Id", m.UserID)
		h.Set("X-User-Scopes", strings.Join(m.Scopes, " "))
	}
	if c.cfg.ForwardAuthorization && m.Authorization != "" {
		h.Set("Authorization", m.Authorization)
	}
	if c.headers != nil {
		c.headers(ctx, h)
	}
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// validator is implemented by answers that check the contract after decoding.
type validator interface{ validate() error }
