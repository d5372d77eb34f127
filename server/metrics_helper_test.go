package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one parse of GET /metrics.
type scrape map[string]*dto.MetricFamily

// scrape reads and parses gqlbff's /metrics.
func (h *harness) scrape() scrape {
	h.t.Helper()
	a := h.do(context.Background(), http.MethodGet, "/metrics", "", nil)
	if a.status != http.StatusOK {
		h.t.Fatalf("GET /metrics: got %d, want 200", a.status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(a.body))
	if err != nil {
		h.t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	return fams
}

// value is the value of the series name{labels} ("k=v,k=v"): a counter's or
// gauge's value, a histogram's count; summed over the series that match
// (labels not named match any value). ok is false when none matches.
func (s scrape) value(name, labels string) (v float64, ok bool) {
	fam := s[name]
	if fam == nil {
		return 0, false
	}
	want := map[string]string{}
	for kv := range strings.SplitSeq(labels, ",") {
		if k, val, found := strings.Cut(kv, "="); found {
			want[k] = val
		}
	}
	for _, m := range fam.GetMetric() {
		if !matches(m, want) {
			continue
		}
		ok = true
		switch {
		case m.GetCounter() != nil:
			v += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			v += m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			v += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return v, ok
}

func matches(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

// want checks series values, "got X, want Y".
func (s scrape) want(t *testing.T, series ...seriesWant) {
	t.Helper()
	for _, w := range series {
		got, ok := s.value(w.name, w.labels)
		if !ok || got != w.value {
			t.Errorf("%s{%s}: got %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
}

type seriesWant struct {
	name, labels string
	value        float64
}
