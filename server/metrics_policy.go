package server

import (
	"github.com/prometheus/client_golang/prometheus"
)

// policyCollector exposes the persisted-query policy's and the cost
// limit's own counters (PersistedStats, CostStats) as Prometheus series,
// read at scrape time: the APQ hits, misses and registrations, the trusted
// documents in force and their reloads, and the budget store's failures.
type policyCollector struct {
	persisted *persistedPolicy
	costs     *costLimit
}

var (
	descAPQ = prometheus.NewDesc("gqlbff_apq_lookups_total",
		"APQ hashes sent without a text, by result: hit (a registered text ran) or miss (PERSISTED_QUERY_NOT_FOUND; the client sends the text next).",
		[]string{"result"}, nil)
	descAPQRegistered = prometheus.NewDesc("gqlbff_apq_registrations_total",
		"APQ texts registered after they validated.", nil, nil)
	descTrustedDocs = prometheus.NewDesc("gqlbff_trusted_documents",
		"Trusted documents in the manifest in force.", nil, nil)
	descTrustedReloads = prometheus.NewDesc("gqlbff_trusted_document_reloads_total",
		"Manifest reloads by result: loaded (swapped in) or refused (a broken manifest; the one in force stayed).",
		[]string{"result"}, nil)
	descTrustedRuns = prometheus.NewDesc("gqlbff_trusted_document_requests_total",
		"Requests that ran a trusted document.", nil, nil)
	descPersistedRefused = prometheus.NewDesc("gqlbff_persisted_query_refusals_total",
		"Requests refused with PERSISTED_QUERY_REQUIRED.", nil, nil)
	descCostStoreErrors = prometheus.NewDesc("gqlbff_cost_store_errors_total",
		"Budget checks and charges the budget store (memory or Redis) failed.", nil, nil)
	descStoreUp = prometheus.NewDesc("gqlbff_store_up",
		"Whether a shared store answered the last time it was asked (1) or failed (0), by store: budgets (the cost budgets) or apq (the APQ registrations in Redis).",
		[]string{"store"}, nil)
	descCostFromManifest = prometheus.NewDesc("gqlbff_cost_from_manifest_total",
		"Operations priced at the load of their trusted document: no analysis per request.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c policyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAPQ, descAPQRegistered, descTrustedDocs, descTrustedReloads,
		descTrustedRuns, descPersistedRefused, descCostStoreErrors, descCostFromManifest, descStoreUp} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c policyCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	if c.persisted != nil {
		s := c.persisted.Stats()
		counter(descAPQ, float64(s.APQHits), "hit")
		counter(descAPQ, float64(s.APQMisses), "miss")
		counter(descAPQRegistered, float64(s.APQRegistered))
		ch <- prometheus.MustNewConstMetric(descTrustedDocs, prometheus.GaugeValue, float64(s.Documents))
		counter(descTrustedReloads, float64(s.ManifestReloads), "loaded")
		counter(descTrustedReloads, float64(s.ManifestFailures), "refused")
		counter(descTrustedRuns, float64(s.Trusted))
		counter(descPersistedRefused, float64(s.Refused))
		if rs, ok := c.persisted.store.(interface{ Up() bool }); ok {
			ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, boolValue(rs.Up()), "apq")
		}
	}
	if c.costs != nil {
		s := c.costs.Stats()
		counter(descCostStoreErrors, float64(s.StoreErrors))
		counter(descCostFromManifest, float64(s.FromManifest))
		ch <- prometheus.MustNewConstMetric(descStoreUp, prometheus.GaugeValue, boolValue(c.costs.StoreUp()), "budgets")
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
