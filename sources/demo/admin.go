package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"
)

// adminPrefix starts the paths of the admin endpoints. They do not count as
// calls and no fault applies to them:
//
//	GET  /_demo/stats   Counters
//	GET  /_demo/faults  Faults
//	POST /_demo/faults  replace the knobs with the Faults body; answers Faults
//	POST /_demo/reset   Reset; answers Counters
const adminPrefix = "/_demo/"

// Faults is every knob of a service at once, as the admin endpoint reads and
// writes it. Absent members are off.
type Faults struct {
	// Latency is SetLatency's, as a time.ParseDuration string, e.g. "5ms".
	Latency string `json:"latency,omitempty"`
	// ErrorRate is SetErrorRate's, from 0 to 1.
	ErrorRate float64 `json:"errorRate,omitempty"`
	// Malformed is SetMalformed's.
	Malformed bool `json:"malformed,omitempty"`
	// Down is SetDown's.
	Down bool `json:"down,omitempty"`
	// Status is SetStatus's: 0 (off) or an HTTP status.
	Status int `json:"status,omitempty"`
	// RetryAfter is SetRetryAfter's.
	RetryAfter string `json:"retryAfter,omitempty"`
	// Oversized is SetOversized's, in bytes.
	Oversized int `json:"oversized,omitempty"`
	// Stall is SetStall's, as a time.ParseDuration string.
	Stall string `json:"stall,omitempty"`
	// DropIDs are SetDropIDs's.
	DropIDs []string `json:"dropIds,omitempty"`
	// ShuffleAndDuplicate is SetShuffleAndDuplicate's.
	ShuffleAndDuplicate bool `json:"shuffleAndDuplicate,omitempty"`
	// PrivateEmails is SetPrivateEmails's.
	PrivateEmails bool `json:"privateEmails,omitempty"`
	// CacheControl is SetCacheControl's.
	CacheControl string `json:"cacheControl,omitempty"`
}

// Counters are a service's call counters, as GET /_demo/stats answers them.
type Counters struct {
	// Calls is Service.Calls.
	Calls int `json:"calls"`
	// Cancelled is Service.Cancelled.
	Cancelled int `json:"cancelled"`
	// InFlight is Service.InFlight.
	InFlight int `json:"inFlight"`
}

// SetFaults replaces every knob with f (see the Set methods for what each
// does). It changes nothing and returns every problem when f is invalid.
func (s *Service) SetFaults(f Faults) error {
	var errs []error
	duration := func(name, v string) time.Duration {
		if v == "" {
			return 0
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s: got %q, want a non-negative duration", name, v))
		}
		return d
	}
	k := knobs{
		latency:    duration("latency", f.Latency),
		stall:      duration("stall", f.Stall),
		errPPM:     int64(math.Round(f.ErrorRate * 1e6)),
		malformed:  f.Malformed,
		down:       f.Down,
		status:     f.Status,
		retryAfter: f.RetryAfter,
		oversized:  f.Oversized,
		shuffle:    f.ShuffleAndDuplicate,
		private:    f.PrivateEmails,

		cacheControl: f.CacheControl,
	}
	if !(f.ErrorRate >= 0 && f.ErrorRate <= 1) {
		errs = append(errs, fmt.Errorf("errorRate: got %v, want 0 to 1", f.ErrorRate))
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status: got %d, want 0 or 100 to 599", f.Status))
	}
	if f.Oversized < 0 {
		errs = append(errs, fmt.Errorf("oversized: got %d, want at least 0", f.Oversized))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if len(f.DropIDs) > 0 {
		k.drop = make(map[string]bool, len(f.DropIDs))
		for _, id := range f.DropIDs {
			k.drop[id] = true
		}
	}
	s.set(func(cur *knobs) { *cur, s.errAcc = k, 0 })
	return nil
}

// Faults returns the current knobs.
func (s *Service) Faults() Faults {
	s.mu.Lock()
	k := s.k
	s.mu.Unlock()
	f := Faults{
		ErrorRate:           float64(k.errPPM) / 1e6,
		Malformed:           k.malformed,
		Down:                k.down,
		Status:              k.status,
		RetryAfter:          k.retryAfter,
		Oversized:           k.oversized,
		ShuffleAndDuplicate: k.shuffle,
		PrivateEmails:       k.private,
		CacheControl:        k.cacheControl,
	}
	if k.latency > 0 {
		f.Latency = k.latency.String()
	}
	if k.stall > 0 {
		f.Stall = k.stall.String()
	}
	for id := range k.drop {
		f.DropIDs = append(f.DropIDs, id)
	}
	slices.Sort(f.DropIDs)
	return f
}

// Counters returns the call counters.
func (s *Service) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Counters{Calls: s.calls, Cancelled: s.cancelled, InFlight: s.inFlight}
}

func (s *Service) admin(w http.ResponseWriter, r *http.Request) {
	status, v := s.adminRoute(w, r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Service) adminRoute(w http.ResponseWriter, r *http.Request) (int, any) {
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET " + adminPrefix + "stats":
		return http.StatusOK, s.Counters()
	case "GET " + adminPrefix + "faults":
		return http.StatusOK, s.Faults()
	case "POST " + adminPrefix + "faults":
		var f Faults
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return fail(http.StatusBadRequest, "invalid faults: %v", err)
		}
		if err := s.SetFaults(f); err != nil {
			return fail(http.StatusBadRequest, "invalid faults: %v", err)
		}
		return http.StatusOK, s.Faults()
	case "POST " + adminPrefix + "reset":
		s.Reset()
		return http.StatusOK, s.Counters()
	}
	switch r.URL.Path {
	case adminPrefix + "stats", adminPrefix + "faults", adminPrefix + "reset":
		return fail(http.StatusMethodNotAllowed, "method not allowed")
	}
	return fail(http.StatusNotFound, "not found")
}
