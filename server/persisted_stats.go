package server

import (
	"slices"
	"sync/atomic"
)

// persistedCounts are the policy's counters.
type persistedCounts struct {
	trusted, refused, bypasses        atomic.Uint64
	apqHits, apqMisses, apqRegistered atomic.Uint64
	preparsed                         atomic.Uint64
	// unknownOf counts per profile, in the order of profileNames.
	unknownOf    [len(profileNames)]atomic.Uint64
	unknownOther atomic.Uint64
}

func (c *persistedCounts) unknown(client string) *atomic.Uint64 {
	if i := slices.Index(profileNames[:], client); i >= 0 {
		return &c.unknownOf[i]
	}
	return &c.unknownOther
}

// PersistedStats counts what the persisted-query policy did since start.
type PersistedStats struct {
	// Trusted counts operations run from a trusted document.
	Trusted uint64
	// Preparsed counts operations the executor took already parsed and
	// validated (every trusted one that reached the executor).
	Preparsed uint64
	// Unknown counts, per client profile, operations that ran in mode
	// log_unknown without being trusted documents (once they validated).
	Unknown map[string]uint64
	// Refused counts PERSISTED_QUERY_REQUIRED answers.
	Refused uint64
	// Bypasses counts uses of the operator bypass.
	Bypasses uint64
	// APQHits, APQMisses and APQRegistered count APQ lookups that found a
	// text, lookups that did not, and texts registered.
	APQHits, APQMisses, APQRegistered uint64
	// ManifestReloads counts manifests swapped in after the first;
	// ManifestFailures counts reloads refused.
	ManifestReloads, ManifestFailures uint64
	// Documents is the number of trusted documents in force.
	Documents int
}

// Stats returns the counters.
func (p *persistedPolicy) Stats() PersistedStats {
	c := &p.counts
	unknown := make(map[string]uint64, len(profileNames))
	for i, name := range profileNames {
		unknown[name] = c.unknownOf[i].Load()
	}
	return PersistedStats{
		Trusted:          c.trusted.Load(),
		Preparsed:        c.preparsed.Load(),
		Unknown:          unknown,
		Refused:          c.refused.Load(),
		Bypasses:         c.bypasses.Load(),
		APQHits:          c.apqHits.Load(),
		APQMisses:        c.apqMisses.Load(),
		APQRegistered:    c.apqRegistered.Load(),
		ManifestReloads:  p.trusted.Reloads(),
		ManifestFailures: p.trusted.Failures(),
		Documents:        p.trusted.Current().Len(),
	}
}
