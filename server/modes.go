package server

import (
	"slices"
	"strings"
)

// CostMode is a client profile's cost mode (profiles.*.costMode).
type CostMode string

// The cost modes.
const (
	// CostEnforce refuses what is over the limit or the budget.
	CostEnforce CostMode = "enforce"
	// CostMeasure logs and counts what it would refuse, and refuses nothing.
	CostMeasure CostMode = "measure"
)

// PersistedMode is a client profile's persisted-query mode
// (profiles.*.persistedQueries).
type PersistedMode string

// The persisted-query modes: the rollout ladder.
const (
	// ModeOff runs any text, APQ included.
	ModeOff PersistedMode = "off"
	// ModeLogUnknown runs any text, and logs and counts every operation
	// that is not a trusted document.
	ModeLogUnknown PersistedMode = "log_unknown"
	// ModeSafelist runs text only when its normalized form is a trusted
	// document's (and then runs the trusted document).
	ModeSafelist PersistedMode = "safelist"
	// ModeRequireID runs trusted documents by id only.
	ModeRequireID PersistedMode = "require_id"
)

// The valid values of each mode, in the order the error messages list them.
var (
	costModes      = []CostMode{CostEnforce, CostMeasure}
	persistedModes = []PersistedMode{ModeOff, ModeLogUnknown, ModeSafelist, ModeRequireID}
)

// oneOf lists values for an error message: "a, b or c".
func oneOf[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// known reports whether v is among values.
func known[T comparable](values []T, v T) bool { return slices.Contains(values, v) }
