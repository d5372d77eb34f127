package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// TestConfigRefusesBadNewSettings checks that each setting with a
// validation refuses a bad value given through its environment variable,
// and that the error names the setting's key.
func TestConfigRefusesBadNewSettings(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	base := map[string]string{
		"GQLBFF_ORDERS_URL": "http://o", "GQLBFF_CUSTOMERS_URL": "http://c", "GQLBFF_ANALYTICS_URL": "http://a",
		"GQLBFF_JWT_SECRET": "settings-config-test-secret-0123456789",
	}
	cases := []struct {
		name string
		env  map[string]string
		key  string // the key the error names
	}{
		{"negative queue timeout", map[string]string{"GQLBFF_HTTP_QUEUE_TIMEOUT": "-1s"}, "http.queueTimeout"},
		{"negative max in flight", map[string]string{"GQLBFF_HTTP_MAX_IN_FLIGHT": "-1"}, "http.maxInFlight"},
		{"max in flight too large", map[string]string{"GQLBFF_HTTP_MAX_IN_FLIGHT": "1048577"}, "http.maxInFlight"},
		{"usage flush too often", map[string]string{"GQLBFF_USAGE_FLUSH_INTERVAL": "1ms"}, "usage.flushInterval"},
		{"usage flush too rare", map[string]string{"GQLBFF_USAGE_FLUSH_INTERVAL": "2h"}, "usage.flushInterval"},
		{"usage retention too short", map[string]string{"GQLBFF_USAGE_RETENTION": "59m"}, "usage.retention"},
		{"usage retention too long", map[string]string{"GQLBFF_USAGE_RETENTION": "8785h"}, "usage.retention"},
		{"no usage clients", map[string]string{"GQLBFF_USAGE_MAX_CLIENTS": "0"}, "usage.maxClients"},
		{"too many usage clients", map[string]string{"GQLBFF_USAGE_MAX_CLIENTS": "100001"}, "usage.maxClients"},
		{"a long client name claim", map[string]string{"GQLBFF_USAGE_CLIENT_NAME_CLAIM": strings.Repeat("c", 257)}, "usage.clientNameClaim"},
		{"a long client version claim", map[string]string{"GQLBFF_USAGE_CLIENT_VERSION_CLAIM": strings.Repeat("v", 257)}, "usage.clientVersionClaim"},
		{"a TLS key without a certificate", map[string]string{"GQLBFF_TLS_KEY_FILE": notPEM}, "tls.certFile, tls.keyFile"},
		{"a TLS pair that does not load", map[string]string{"GQLBFF_TLS_CERT_FILE": notPEM, "GQLBFF_TLS_KEY_FILE": notPEM}, "tls.certFile, tls.keyFile"},
		{"client CAs without TLS", map[string]string{"GQLBFF_TLS_CLIENT_CA_FILE": notPEM}, "tls.clientCAFile"},
		{"a missing client CA file", map[string]string{"GQLBFF_TLS_CLIENT_CA_FILE": missing}, "tls.clientCAFile"},
		{"a missing source CA file", map[string]string{"GQLBFF_SOURCE_CA_FILE": missing}, "sources.caFile"},
		{"negative cache TTL", map[string]string{"GQLBFF_SOURCE_CACHE_TTL": "-1s"}, "sources.cache.ttl"},
		{"negative stale-if-error", map[string]string{"GQLBFF_SOURCE_CACHE_STALE_IF_ERROR": "-1s"}, "sources.cache.staleIfError"},
		{"an unknown vary", map[string]string{"GQLBFF_SOURCE_CACHE_VARY": "everyone"}, "sources.cache.vary"},
		{"negative cache entries", map[string]string{"GQLBFF_SOURCE_CACHE_MAX_ENTRIES": "-1"}, "sources.cache.maxEntries"},
		{"negative memory TTL", map[string]string{"GQLBFF_SOURCE_CACHE_MEMORY_TTL": "-1s"}, "sources.cache.memoryTTL"},
		{"negative per-source cache TTL", map[string]string{"GQLBFF_ORDERS_CACHE_TTL": "-1s"}, "sources.orders.cache.ttl"},
		{"negative per-source stale-if-error", map[string]string{"GQLBFF_CUSTOMERS_CACHE_STALE_IF_ERROR": "-1s"}, "sources.customers.cache.staleIfError"},
		{"an unknown per-source vary", map[string]string{"GQLBFF_ANALYTICS_CACHE_VARY": "everyone"}, "sources.analytics.cache.vary"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := func(k string) string {
				if v, ok := tc.env[k]; ok {
					return v
				}
				return base[k]
			}
			if _, err := server.LoadConfig("", env); err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("got %v, want an error naming %s", err, tc.key)
			}
		})
	}
	if _, err := server.LoadConfig("", func(k string) string { return base[k] }); err != nil {
		t.Fatalf("the base environment: %v", err)
	}
}
