package sources

import (
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerConfig configures a source's circuit breaker. Zero fields take the
// defaults of DefaultBreaker.
type BreakerConfig struct {
	// MinRequests is how many calls the window must hold before it may trip.
	MinRequests int
	// FailureRatio trips the breaker when at least this share of the
	// window's calls failed.
	FailureRatio float64
	// Window is the rolling window the calls are counted in.
	Window time.Duration
	// OpenTimeout is how long the breaker stays open before it lets
	// half-open probes through.
	OpenTimeout time.Duration
	// HalfOpenProbes is how many probes a half-open breaker lets through;
	// as many successes in a row close it, one failure opens it again.
	HalfOpenProbes int
}

// DefaultBreaker holds the defaults of HARDENING.md (Hystrix, Cosmo): trip
// at 20 calls and 50% failures in a 10 s window, open 5 s, one probe.
func DefaultBreaker() BreakerConfig { return defaultBreaker }

var defaultBreaker = BreakerConfig{
	MinRequests:    20,
	FailureRatio:   0.5,
	Window:         10 * time.Second,
	OpenTimeout:    5 * time.Second,
	HalfOpenProbes: 1,
}

// withDefaults fills the zero fields from DefaultBreaker.
func (b BreakerConfig) withDefaults() BreakerConfig {
	d := defaultBreaker
	if b.MinRequests > 0 {
		d.MinRequests = b.MinRequests
	}
	if b.FailureRatio > 0 {
		d.FailureRatio = b.FailureRatio
	}
	if b.Window > 0 {
		d.Window = b.Window
	}
	if b.OpenTimeout > 0 {
		d.OpenTimeout = b.OpenTimeout
	}
	if b.HalfOpenProbes > 0 {
		d.HalfOpenProbes = b.HalfOpenProbes
	}
	return d
}

// BreakerState is a breaker's state; its value is the metrics gauge's.
type BreakerState int

// The breaker states.
const (
	BreakerClosed   BreakerState = 0
	BreakerHalfOpen BreakerState = 1
	BreakerOpen     BreakerState = 2
)

// String names the state as /readyz shows it: closed, half-open or open.
func (s BreakerState) String() string {
	switch s {
	case BreakerHalfOpen:
		return "half-open"
	case BreakerOpen:
		return "open"
	default:
		return "closed"
	}
}

func stateOf(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	case gobreaker.StateOpen:
		return BreakerOpen
	default:
		return BreakerClosed
	}
}

// errFailure and errExcluded are how an attempt's outcome is told to the
// breaker: a failure counts against the source, an excluded call not at
// all (the caller left, the source asked to slow down, the bulkhead said
// no), and anything else is a success.
var (
	errFailure  = errors.New("source failure")
	errExcluded = errors.New("not the source's fault")
)

func verdict(o Outcome) error {
	switch o {
	case OutcomeUnavailable, OutcomeTimeout, OutcomeBadResponse:
		return errFailure
	case OutcomeCanceled, OutcomeRateLimited, OutcomeBulkheadFull, OutcomeBadRequest:
		return errExcluded
	default: // ok, not found, another 4xx: the source answered as it should
		return nil
	}
}

// breaker wraps gobreaker's two-step breaker: allow before the call, the
// outcome after it.
type breaker struct {
	cb *gobreaker.TwoStepCircuitBreaker[struct{}]
}

func newBreaker(name string, cfg BreakerConfig, obs Observer) *breaker {
	cfg = cfg.withDefaults()
	minRequests, ratio := uint32(cfg.MinRequests), cfg.FailureRatio
	return &breaker{cb: gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:         name,
		MaxRequests:  uint32(cfg.HalfOpenProbes),
		Interval:     cfg.Window,
		BucketPeriod: max(cfg.Window/10, time.Millisecond),
		Timeout:      cfg.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			n := c.TotalSuccesses + c.TotalFailures
			return n >= minRequests && float64(c.TotalFailures) >= ratio*float64(n)
		},
		// Called with the breaker's lock held: the observer only records.
		OnStateChange: func(_ string, _, to gobreaker.State) { obs.BreakerChanged(name, stateOf(to)) },
		IsSuccessful:  func(err error) bool { return err == nil },
		IsExcluded:    func(err error) bool { return errors.Is(err, errExcluded) },
	})}
}

// allow lets a call through, or answers gobreaker.ErrOpenState (open) or
// gobreaker.ErrTooManyRequests (half-open, its probes taken). done reports
// the call's outcome as its verdict: done(verdict(o)), gobreaker's own
// function, not wrapped in a closure of ours (an allocation a call).
func (b *breaker) allow() (done func(error), err error) {
	return b.cb.Allow()
}

func (b *breaker) state() BreakerState { return stateOf(b.cb.State()) }
