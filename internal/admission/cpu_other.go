//go:build !unix

package admission

import "time"

// ProcessCPUTime is nil where getrusage is not available: the adaptive
// limit then does without the CPU's share (see Options.CPUTime).
var ProcessCPUTime func() (used, waited time.Duration)
