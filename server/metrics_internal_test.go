package server

import (
	"errors"
	"reflect"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestEveryDeclaredMetricIsRegistered: each collector field of metrics is
// on its registry, so a series added to the struct but left out of
// MustRegister (it would count and never be scraped) fails here.
func TestEveryDeclaredMetricIsRegistered(t *testing.T) {
	m := newMetrics(10)
	v := reflect.ValueOf(m).Elem()
	collector := reflect.TypeFor[prometheus.Collector]()
	found := 0
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.Type.Implements(collector) || f.Type == reflect.TypeFor[*prometheus.Registry]() {
			continue
		}
		found++
		c := reflect.NewAt(f.Type, v.Field(i).Addr().UnsafePointer()).Elem().Interface().(prometheus.Collector)
		err := m.reg.Register(c)
		if err == nil {
			t.Errorf("metrics.%s is declared but was not registered", f.Name)
			continue
		}
		if are := (prometheus.AlreadyRegisteredError{}); !errors.As(err, &are) {
			t.Errorf("metrics.%s: registering it again: %v, want AlreadyRegisteredError", f.Name, err)
		}
	}
	if found < 15 {
		t.Fatalf("found %d collector fields, want the 17 series of metrics: the reflection missed them", found)
	}
}
