package demo

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxLog is how many received calls Requests keeps.
const maxLog = 10000

// knobs are a service's faults. A snapshot is taken per call; drop is
// replaced, never mutated, so snapshots may share it.
type knobs struct {
	latency    time.Duration
	errPPM     int64 // error rate in parts per million
	malformed  bool
	down       bool
	status     int
	retryAfter string
	oversized  int
	stall      time.Duration
	drop       map[string]bool
	shuffle    bool
	// private makes the customers service answer an email only to its
	// owner (X-User-Id) or to a caller with the customers:pii scope.
	private      bool
	cacheControl string
}

// Request is one call a service received.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	// Header is a copy of the request's headers.
	Header http.Header
	// Time is when the call arrived.
	Time time.Time
}

func (s *Service) set(f func(k *knobs)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.k)
}

// SetLatency delays every answer by d. The wait ends early when the caller
// cancels the request (counted in Cancelled), and then nothing is answered.
func (s *Service) SetLatency(d time.Duration) { s.set(func(k *knobs) { k.latency = max(d, 0) }) }

// SetErrorRate makes the fraction p (clamped to 0..1) of calls answer 503
// {"error":"unavailable"}. It is a counter, not a dice: numbering the calls
// received since SetErrorRate from 1, call n fails when floor(n*p) >
// floor((n-1)*p), so p=0.5 fails every second call, p=0.25 every fourth and
// p=1 every call.
func (s *Service) SetErrorRate(p float64) {
	ppm := int64(math.Round(min(max(p, 0), 1) * 1e6)) // NaN ends up 0
	s.set(func(k *knobs) { k.errPPM, s.errAcc = ppm, 0 })
}

// SetMalformed makes every call answer 200 with truncated JSON.
func (s *Service) SetMalformed(on bool) { s.set(func(k *knobs) { k.malformed = on }) }

// SetDown makes the service hard down: every call's connection is closed
// without an answer. Stop gives "connection refused" instead.
func (s *Service) SetDown(on bool) { s.set(func(k *knobs) { k.down = on }) }

// SetStatus makes every call answer code with {"error":"..."}; 0 turns it off.
func (s *Service) SetStatus(code int) { s.set(func(k *knobs) { k.status = code }) }

// SetRetryAfter sets the Retry-After header sent with SetStatus answers.
func (s *Service) SetRetryAfter(v string) { s.set(func(k *knobs) { k.retryAfter = v }) }

// SetOversized pads every 200 answer to at least n bytes with a "padding"
// member; the answer stays valid JSON. 0 turns it off.
func (s *Service) SetOversized(n int) { s.set(func(k *knobs) { k.oversized = max(n, 0) }) }

// SetStall makes every answer send its headers and first half, flush, and
// then stall for d (or until the caller cancels, counted in Cancelled)
// before the rest. 0 turns it off.
func (s *Service) SetStall(d time.Duration) { s.set(func(k *knobs) { k.stall = max(d, 0) }) }

// SetDropIDs makes the batch endpoints omit these ids, as if unknown. For
// /orders?customerIds= they are customer ids whose orders are omitted.
func (s *Service) SetDropIDs(ids ...string) {
	drop := make(map[string]bool, len(ids))
	for _, id := range ids {
		drop[id] = true
	}
	s.set(func(k *knobs) { k.drop = drop })
}

// SetShuffleAndDuplicate makes the batch endpoints answer their items in
// reverse order with the (new) first item repeated at the end, which the
// contract allows.
func (s *Service) SetShuffleAndDuplicate(on bool) { s.set(func(k *knobs) { k.shuffle = on }) }

// SetPrivateEmails makes the customers service's answers depend on the
// caller: a customer's email is masked unless X-User-Id is that customer or
// X-User-Scopes holds customers:pii. A cache that shares answers between
// callers it should not shows here.
func (s *Service) SetPrivateEmails(on bool) { s.set(func(k *knobs) { k.private = on }) }

// SetCacheControl makes every 200 answer carry Cache-Control: v ("" for
// none), as a source that directs caches would.
func (s *Service) SetCacheControl(v string) { s.set(func(k *knobs) { k.cacheControl = v }) }

// Reset clears the knobs, the counters and the call log. InFlight is kept.
func (s *Service) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.k, s.errAcc = knobs{}, 0
	s.calls, s.cancelled = 0, 0
	s.byPath = make(map[string]int)
	s.log, s.logNext = nil, 0
}

// Calls returns the number of calls received, the /_demo/ ones excepted.
func (s *Service) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// CallsTo returns the number of calls received whose path starts with prefix.
func (s *Service) CallsTo(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.byPath {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// Cancelled returns the number of calls whose request was cancelled while
// the service was still working on them (during latency or a stall).
func (s *Service) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// InFlight returns the number of calls being handled now.
func (s *Service) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// Requests returns the last 10,000 calls received, oldest first.
func (s *Service) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(slices.Clone(s.log[s.logNext:]), s.log[:s.logNext]...)
}

// begin counts and logs a call, and returns the knobs to apply to it,
// whether the error rate fails it, and the channel that Stop closes.
func (s *Service) begin(r *http.Request) (k knobs, failed bool, quit <-chan struct{}) {
	req := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Time: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.inFlight++
	s.byPath[req.Path]++
	if len(s.log) < maxLog {
		s.log = append(s.log, req)
	} else {
		s.log[s.logNext] = req
		s.logNext = (s.logNext + 1) % maxLog
	}
	s.errAcc += s.k.errPPM
	if s.errAcc >= 1e6 {
		s.errAcc -= 1e6
		failed = true
	}
	return s.k, failed, s.quit
}

func (s *Service) end() {
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}
