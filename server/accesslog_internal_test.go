package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestReportCostAndBudgetRefusal: what the cost analysis reports reaches
// the access line and the metrics.
func TestReportCostAndBudgetRefusal(t *testing.T) {
	var buf bytes.Buffer
	m := newMetrics(10)
	h := accessLog(slog.New(slog.NewTextHandler(&buf, nil)), m, ProfileMobile, false)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reportCost(r.Context(), 42)
		reportBudgetRefusal(r.Context())
		writeErrors(r.Context(), w, http.StatusTooManyRequests, newError(CodeRateLimited, "budget spent"))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if got := testutil.ToFloat64(m.budgetRefusals.WithLabelValues(ProfileMobile)); got != 1 {
		t.Errorf("budget refusals: got %v, want 1", got)
	}
	if got := testutil.CollectAndCount(m.cost); got != 1 {
		t.Errorf("cost series: got %d, want 1", got)
	}
	if got := testutil.ToFloat64(m.errors.WithLabelValues(CodeRateLimited)); got != 1 {
		t.Errorf("RATE_LIMITED errors: got %v, want 1", got)
	}
	for _, want := range []string{"cost=42", "client=mobile", "status=429", "outcome=rejected", "errors=[RATE_LIMITED]"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("access line %q: want %s", buf.String(), want)
		}
	}
}
