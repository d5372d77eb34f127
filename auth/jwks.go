package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// jwksCache holds an issuer's published keys (HARDENING.md, JWT): fetched
// with a bounded time and size, refreshed in the background, re-fetched on
// an unknown kid at most once per minRefetch, and never emptied by a failed
// refresh: the last good set stays. Tokens pick keys by kid from this cache
// only; nothing in a token (jku, x5u, jwk, x5c) makes gqlbff fetch anything.
type jwksCache struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	maxBytes   int64
	minRefetch time.Duration
	algs       []string
	log        *slog.Logger

	keys atomic.Pointer[map[string]verificationKey]

	mu          sync.Mutex
	inflight    chan struct{} // closed when the running fetch ends; nil when none runs
	lastRefetch time.Time     // of the last fetch an unknown kid caused

	ctx    context.Context // cancelled by close
	cancel context.CancelFunc
	done   chan struct{}
}

// newJWKSCache starts the cache: its first fetch begins at once (requests
// that need a key wait for it) and a refresh follows every refresh period
// until close.
func newJWKSCache(cfg JWTConfig, log *slog.Logger) *jwksCache {
	ctx, cancel := context.WithCancel(context.Background())
	c := &jwksCache{
		url:        cfg.JWKSURL,
		client:     &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}, CheckRedirect: noRedirect},
		timeout:    cfg.JWKSTimeout,
		maxBytes:   cfg.JWKSMaxBytes,
		minRefetch: cfg.JWKSMinRefetch,
		algs:       cfg.JWKSAlgorithms,
		log:        log,
		ctx:        ctx,
		cancel:     cancel,
		done:       make(chan struct{}),
	}
	c.keys.Store(&map[string]verificationKey{})
	first := make(chan struct{})
	c.inflight = first
	go c.run(first, cfg.JWKSRefresh)
	return c
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (c *jwksCache) run(first chan struct{}, every time.Duration) {
	defer close(c.done)
	c.fetchInto(first)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.mu.Lock()
			ch, mine := c.begin()
			c.mu.Unlock()
			if mine {
				c.fetchInto(ch)
			}
		}
	}
}

// close stops the refresher and any fetch in flight, and waits for them.
func (c *jwksCache) close() {
	c.cancel()
	<-c.done
	c.client.CloseIdleConnections()
}

// begin marks a fetch as running, unless one already is; c.mu is held.
func (c *jwksCache) begin() (ch chan struct{}, mine bool) {
	if c.inflight != nil {
		return c.inflight, false
	}
	c.inflight = make(chan struct{})
	return c.inflight, true
}

// fetchInto fetches the set, keeps it if it is good, and ends the fetch ch
// stands for.
func (c *jwksCache) fetchInto(ch chan struct{}) {
	keys, err := c.fetch()
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			c.log.Warn("JWKS refresh failed; keeping the last good key set", "url", c.url, "error", err.Error())
		}
	} else {
		c.keys.Store(&keys)
	}
	c.mu.Lock()
	c.inflight = nil
	c.mu.Unlock()
	close(ch)
}

// lookup answers the key of kid. An unknown kid waits for the fetch in
// flight, if any, or starts one when the last such fetch is older than
// minRefetch; otherwise it is unknown at once.
func (c *jwksCache) lookup(ctx context.Context, kid string) (verificationKey, bool) {
	if k, ok := (*c.keys.Load())[kid]; ok {
		return k, true
	}
	c.mu.Lock()
	ch, mine := c.inflight, false
	if ch == nil {
		if !c.lastRefetch.IsZero() && time.Since(c.lastRefetch) < c.minRefetch {
			c.mu.Unlock()
			return verificationKey{}, false
		}
		c.lastRefetch = time.Now()
		ch, mine = c.begin()
	}
	c.mu.Unlock()
	if mine {
		c.fetchInto(ch)
	} else {
		select {
		case <-ch:
		case <-ctx.Done():
			return verificationKey{}, false
		}
	}
	k, ok := (*c.keys.Load())[kid]
	return k, ok
}

// fetch GETs the set, bounded in time and size.
func (c *jwksCache) fetch() (map[string]verificationKey, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.maxBytes {
		return nil, fmt.Errorf("JWKS over %d bytes", c.maxBytes)
	}
	keys, skipped, err := parseJWKS(body, c.algs)
	for _, s := range skipped {
		c.log.Warn("JWKS key ignored", "url", c.url, "reason", s.Error())
	}
	return keys, err
}
