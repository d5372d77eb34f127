package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// usageCollector exposes this replica's uses of the schema's @deprecated
// coordinates, read from the usage recorder at scrape time (nothing on
// the request path). Its labels are bounded: the profile, the deprecated
// coordinate, and the client name of the first maxClientLabels names
// seen ("other" after, "unknown" without one).
type usageCollector struct{ u *usageRecorder }

var descDeprecatedUse = prometheus.NewDesc("gqlbff_deprecated_usage_total",
	"Executed operations that used a @deprecated schema coordinate, by profile, client name (the first 20 seen; other after them, unknown without a name) and coordinate.",
	[]string{"profile", "client", "coordinate"}, nil)

// Describe implements prometheus.Collector.
func (c usageCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descDeprecatedUse }

// Collect implements prometheus.Collector.
func (c usageCollector) Collect(ch chan<- prometheus.Metric) {
	u := c.u
	if len(u.deprecated) == 0 {
		return
	}
	type key struct{ profile, client, coord string }
	sums := map[key]int64{}
	u.mu.Lock()
	for cl, cu := range u.uses {
		for doc, n := range cu.docs {
			for _, coord := range doc.deprecated {
				sums[key{cl.Profile, cu.label, coord}] += n.count
			}
		}
		for coord, n := range cu.extra {
			if u.isDeprecated(coord) {
				sums[key{cl.Profile, cu.label, coord}] += n.count
			}
		}
	}
	u.mu.Unlock()
	for k, n := range sums {
		ch <- prometheus.MustNewConstMetric(descDeprecatedUse, prometheus.CounterValue, float64(n), k.profile, k.client, k.coord)
	}
}
