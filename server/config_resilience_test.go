package server_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

func TestResilienceAndTelemetryConfig(t *testing.T) {
	base := map[string]string{
		"GQLBFF_ORDERS_URL": "http://o", "GQLBFF_CUSTOMERS_URL": "http://c", "GQLBFF_ANALYTICS_URL": "http://a",
		"GQLBFF_JWT_SECRET": "resilience-config-test-secret-0123456789",
	}
	cases := []struct {
		name    string
		env     map[string]string
		check   func(server.Config) any // what the case looks at
		want    any
		wantErr string // a key the error names; empty: valid
	}{
		{"defaults", nil, func(c server.Config) any {
			return []any{c.Sources.Retries, c.Sources.Coalesce, c.Sources.Breaker, c.Metrics, c.Tracing.Endpoint}
		}, []any{1, true, server.BreakerConfig{MinRequests: 20, FailureRatio: 0.5, Window: 10 * time.Second, OpenTimeout: 5 * time.Second, HalfOpenProbes: 1},
			server.MetricsConfig{Enabled: true, MaxOperationNames: 100}, ""}, ""},
		{"per-source overrides", map[string]string{
			"GQLBFF_ORDERS_RETRIES": "0", "GQLBFF_CUSTOMERS_TIMEOUT": "300ms",
			"GQLBFF_ANALYTICS_BREAKER_MIN_REQUESTS": "5", "GQLBFF_SOURCE_BREAKER_FAILURE_RATIO": "0.25",
		}, func(c server.Config) any {
			return []any{*c.Sources.Orders.Retries, c.Sources.Customers.Timeout, c.Sources.Analytics.Breaker.MinRequests, c.Sources.Breaker.FailureRatio}
		}, []any{0, 300 * time.Millisecond, 5, 0.25}, ""},
		{"OTLP endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
			func(c server.Config) any { return c.Tracing.Endpoint }, "http://collector:4318/v1/traces", ""},
		{"OTLP traces endpoint wins", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/traces",
		}, func(c server.Config) any { return c.Tracing.Endpoint }, "http://b:4318/traces", ""},
		{"OTEL_SDK_DISABLED", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_SDK_DISABLED": "true"},
			func(c server.Config) any { return c.Tracing.Endpoint }, "", ""},
		{"OTLP over gRPC", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			func(c server.Config) any { return []string{c.Tracing.Endpoint, c.Tracing.Protocol} }, []string{"http://collector:4317", "grpc"}, ""},
		{"OTLP traces protocol wins", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
			func(c server.Config) any { return c.Tracing.Protocol }, "http/protobuf", ""},
		{"OTEL_PROPAGATORS", map[string]string{"OTEL_PROPAGATORS": "b3, tracecontext"},
			func(c server.Config) any { return c.Tracing.Propagators }, []string{"b3", "tracecontext"}, ""},
		{"OTLP over JSON", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, nil, nil, "tracing.protocol"},
		{"unknown propagator", map[string]string{"OTEL_PROPAGATORS": "zipkin"}, nil, nil, "tracing.propagators"},
		{"too many retries", map[string]string{"GQLBFF_SOURCE_RETRIES": "9"}, nil, nil, "sources.retries"},
		{"per-source retries out of range", map[string]string{"GQLBFF_CUSTOMERS_RETRIES": "-1"}, nil, nil, "sources.customers.retries"},
		{"failure ratio over 1", map[string]string{"GQLBFF_ORDERS_BREAKER_FAILURE_RATIO": "1.5"}, nil, nil, "sources.orders.breaker.failureRatio"},
		{"no bulkhead", map[string]string{"GQLBFF_SOURCE_MAX_IN_FLIGHT": "0"}, nil, nil, "sources.maxInFlight"},
		{"no operation names", map[string]string{"GQLBFF_METRICS_MAX_OPERATION_NAMES": "0"}, nil, nil, "metrics.maxOperationNames"},
		{"tracing endpoint not a URL", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector"}, nil, nil, "tracing.endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := func(k string) string {
				if v, ok := tc.env[k]; ok {
					return v
				}
				return base[k]
			}
			cfg, err := server.LoadConfig("", env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error: got %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.check(cfg); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}
