package server

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted, err := parsePrefixes([]string{"10.0.0.0/8", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote string
		xff          []string
		trusted      bool
		want         string
	}{
		{"peer", "198.51.100.7:4242", nil, true, "198.51.100.7"},
		{"untrusted peer: X-Forwarded-For ignored", "198.51.100.7:4242", []string{"203.0.113.9"}, true, "198.51.100.7"},
		{"no trusted proxies: ignored", "10.1.2.3:4242", []string{"203.0.113.9"}, false, "10.1.2.3"},
		{"trusted proxy", "10.1.2.3:4242", []string{"203.0.113.9"}, true, "203.0.113.9"},
		{"right-most untrusted hop", "10.1.2.3:4242", []string{"1.1.1.1, 203.0.113.9, 10.9.9.9"}, true, "203.0.113.9"},
		{"several headers", "192.0.2.1:80", []string{"1.1.1.1", "203.0.113.9, 10.9.9.9"}, true, "203.0.113.9"},
		{"only proxies", "10.1.2.3:4242", []string{"10.2.2.2"}, true, "10.1.2.3"},
		{"garbage hop ends the chain", "10.1.2.3:4242", []string{"1.1.1.1, nope"}, true, "10.1.2.3"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, true, "2001:db8::1"},
		{"IPv4-mapped peer", "[::ffff:198.51.100.7]:443", nil, true, "198.51.100.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			tr := trusted
			if !tc.trusted {
				tr = nil
			}
			if got := clientIP(r, tr); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := parsePrefixes([]string{"10.0.0.0/33"}); err == nil {
		t.Error("a bad CIDR: got no error")
	}
}
