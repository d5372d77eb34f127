package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

func env(kv map[string]string) func(string) string {
	base := map[string]string{
		"GQLBFF_ORDERS_URL":    "http://orders.test",
		"GQLBFF_CUSTOMERS_URL": "http://customers.test",
		"GQLBFF_ANALYTICS_URL": "http://analytics.test",
	}
	return func(k string) string {
		if v, ok := kv[k]; ok {
			return v
		}
		return base[k]
	}
}

func TestCostConfigDefaults(t *testing.T) {
	c := server.Default()
	for _, p := range []server.ProfileConfig{c.Profiles.Web, c.Profiles.Mobile, c.Profiles.Partner} {
		got := []int{p.MaxDepth, p.MaxAliases, p.MaxRootFields, p.MaxFields, p.MaxDirectives, p.MaxOperationName, p.MaxPage}
		if want := []int{10, 15, 10, 500, 50, 128, 0}; !slices.Equal(got, want) {
			t.Errorf("structural limits: got %v, want %v (HARDENING.md)", got, want)
		}
	}
	if c.Redis != (server.RedisConfig{Timeout: 50 * time.Millisecond, FailMode: server.FailOpen}) || len(c.HTTP.TrustedProxies) != 0 {
		t.Errorf("redis: got %+v, trusted proxies %v; want no URL, 50ms, open, none", c.Redis, c.HTTP.TrustedProxies)
	}
}

func TestCostConfigFromTheEnvironment(t *testing.T) {
	cfg, err := server.LoadConfig("", env(map[string]string{
		"GQLBFF_REDIS_URL":                      "redis://127.0.0.1:6379/0",
		"GQLBFF_REDIS_TIMEOUT":                  "20ms",
		"GQLBFF_REDIS_FAIL_MODE":                "closed",
		"GQLBFF_PROFILE_WEB_MAX_DEPTH":          "7",
		"GQLBFF_PROFILE_PARTNER_MAX_ALIASES":    "3",
		"GQLBFF_PROFILE_MOBILE_MAX_PAGE":        "20",
		"GQLBFF_PROFILE_WEB_MAX_FIELDS":         "200",
		"GQLBFF_PROFILE_WEB_MAX_ROOT_FIELDS":    "4",
		"GQLBFF_PROFILE_WEB_MAX_DIRECTIVES":     "5",
		"GQLBFF_PROFILE_WEB_MAX_OPERATION_NAME": "64",
		"GQLBFF_HTTP_TRUSTED_PROXIES":           "10.0.0.0/8, 127.0.0.1",
		"GQLBFF_JWT_SECRET":                     "cost-config-test-secret-0123456789",
	}))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Profiles.Web
	checks := []struct {
		name      string
		got, want any
	}{
		{"redis.url", cfg.Redis.URL, "redis://127.0.0.1:6379/0"},
		{"redis.timeout", cfg.Redis.Timeout, 20 * time.Millisecond},
		{"redis.failMode", cfg.Redis.FailMode, "closed"},
		{"web.maxDepth", w.MaxDepth, 7},
		{"web.maxFields", w.MaxFields, 200},
		{"web.maxRootFields", w.MaxRootFields, 4},
		{"web.maxDirectives", w.MaxDirectives, 5},
		{"web.maxOperationName", w.MaxOperationName, 64},
		{"partner.maxAliases", cfg.Profiles.Partner.MaxAliases, 3},
		{"mobile.maxPage", cfg.Profiles.Mobile.MaxPage, 20},
		{"http.trustedProxies", strings.Join(cfg.HTTP.TrustedProxies, "|"), "10.0.0.0/8|127.0.0.1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestCostConfigIsValidated(t *testing.T) {
	_, err := server.LoadConfig("", env(map[string]string{
		"GQLBFF_REDIS_URL":               "http://127.0.0.1:6379",
		"GQLBFF_REDIS_TIMEOUT":           "0s",
		"GQLBFF_REDIS_FAIL_MODE":         "ajar",
		"GQLBFF_PROFILE_WEB_MAX_DEPTH":   "-1",
		"GQLBFF_PROFILE_MOBILE_MAX_PAGE": "101",
		"GQLBFF_HTTP_TRUSTED_PROXIES":    "10.0.0.0/8,nope",
	}))
	if err == nil {
		t.Fatal("got no error")
	}
	for _, key := range []string{"redis.url", "redis.timeout", "redis.failMode", "profiles.web.maxDepth", "profiles.mobile.maxPage", "http.trustedProxies"} {
		if !strings.Contains(err.Error(), key+":") {
			t.Errorf("no problem reported for %s in:\n%v", key, err)
		}
	}
}
