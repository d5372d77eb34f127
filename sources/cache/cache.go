// Package cache keeps source records in two tiers: in memory (bounded in
// size, each entry with its own expiry) and, when a Redis client is given,
// in a Redis that replicas share. It knows nothing of GraphQL nor of what a
// record is: values are opaque to it in memory and JSON in Redis.
//
// Every entry has a fresh time (its TTL) and a stale window after it, in
// which it may still stand in for a failed call. Redis failing is a miss,
// never an error, behind a breaker. Invalidation bumps a generation (a
// whole source) or an id's counter (single records) in Redis, and tells the
// other replicas over pub/sub to drop their in-memory entries; an entry
// stored by a refresh that looked up before an invalidation carries the old
// counters and is never read, so an invalidation racing a refresh wins.
package cache

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Vary says who shares a cached record.
type Vary string

// The vary classes.
const (
	// VaryNone: every caller shares one entry.
	VaryNone Vary = "none"
	// VaryScopes: callers with the same scopes share an entry.
	VaryScopes Vary = "scopes"
	// VaryUser: each user (with its scopes) has its own entries.
	VaryUser Vary = "user"
)

// ParseVary reads a vary class; "" is not one.
func ParseVary(s string) (Vary, error) {
	switch v := Vary(s); v {
	case VaryNone, VaryScopes, VaryUser:
		return v, nil
	default:
		return "", fmt.Errorf("want none, scopes or user, got %q", s)
	}
}

// Policy is how one source's records are cached.
type Policy struct {
	// TTL is how long a record is fresh; 0 turns the source's cache off.
	TTL time.Duration
	// StaleIfError is how long after its TTL a record may stand in for a
	// call that failed as unavailable or timed out.
	StaleIfError time.Duration
	// Vary says who shares an entry.
	Vary Vary
	// MaxEntries, when positive, bounds the bucket's in-memory tier below
	// the store's Config.MaxEntries (for large entries).
	MaxEntries int
}

// Defaults of Config.
const (
	DefaultMaxEntries   = 20_000
	DefaultMemoryTTL    = 5 * time.Second
	DefaultRedisTimeout = 50 * time.Millisecond
)

// KeyPrefix starts every Redis key and channel of the cache.
const KeyPrefix = "gqlbff:cache:"

// Caller is who a lookup is for, as far as the vary class cares.
type Caller struct {
	UserID string
	Scopes []string
}

// varyKey is the part of a key that says who may read it: "-" for
// everyone, an HMAC of the sorted scopes, or an HMAC of the user id and
// scopes (never a raw user id: the key may sit in a shared Redis).
func varyKey(secret []byte, v Vary, c Caller) string {
	switch v {
	case VaryScopes:
		return "s" + mac(secret, "scopes", sortedScopes(c.Scopes))
	case VaryUser:
		if c.UserID == "" {
			return "a" + mac(secret, "anonymous", sortedScopes(c.Scopes))
		}
		return "u" + mac(secret, "user", c.UserID+"\x00"+sortedScopes(c.Scopes))
	default:
		return "-"
	}
}

func sortedScopes(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), " ")
}

func mac(secret []byte, kind, v string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// Observer is told of every lookup and store; its labels are closed sets
// (sources, tiers, results, reasons), never keys nor users.
type Observer interface {
	// Lookup counts one record looked up in a tier: hit, miss or stale.
	Lookup(source, tier, result string)
	// StoreSkipped counts a record not stored, by reason.
	StoreSkipped(source, reason string)
	// RedisError counts a Redis command that failed (breaker open included).
	RedisError(op string)
	// Saved counts a source call not made: its records were all fresh.
	Saved(source string)
	// Joined counts a record that joined a refresh already in flight.
	Joined(source string)
}

// The tiers and results of Observer.Lookup.
const (
	TierMemory = "memory"
	TierRedis  = "redis"
	ResultHit  = "hit"
	ResultMiss = "miss"
	// ResultStale is an entry past its TTL but within its stale window.
	ResultStale = "stale"
)

type nopObserver struct{}

func (nopObserver) Lookup(string, string, string) {}
func (nopObserver) StoreSkipped(string, string)   {}
func (nopObserver) RedisError(string)             {}
func (nopObserver) Saved(string)                  {}
func (nopObserver) Joined(string)                 {}

// errNoSecret is New's answer to a key secret that is too short.
var errNoSecret = errors.New("cache: the key secret must hold at least 16 bytes")
