package testkit

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what the checker reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func TestAssertNothingLost(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		allowed []string
		want    []string // fragments of the reports expected, none when empty
	}{
		{"clean", `{"data":{"a":{"b":1}}}`, nil, nil},
		{"null explained by its error",
			`{"data":{"a":null},"errors":[{"message":"m","path":["a"],"extensions":{"code":"SOURCE_TIMEOUT","source":"orders"}}]}`, nil, nil},
		{"non-null failure bubbled to its parent",
			`{"data":{"a":null},"errors":[{"message":"m","path":["a","b",0,"c"],"extensions":{"code":"SOURCE_UNAVAILABLE"}}]}`, nil, nil},
		{"silent null", `{"data":{"a":{"b":null}}}`, nil, []string{"silent null at a.b"}},
		{"allowed null", `{"data":{"a":[{"b":null},{"b":1}]}}`, []string{"a.*.b"}, nil},
		{"allowed anywhere", `{"data":{"x":{"y":{"last":null}}}}`, []string{"**.last"}, nil},
		{"unknown code",
			`{"data":{"a":null},"errors":[{"message":"m","path":["a"],"extensions":{"code":"OOPS"}}]}`, nil, []string{`code "OOPS"`}},
		{"no code",
			`{"data":{"a":null},"errors":[{"message":"m","path":["a"]}]}`, nil, []string{`code ""`}},
		{"leaked upstream address",
			`{"data":{"a":null},"errors":[{"message":"GET http://127.0.0.1:9/x failed","path":["a"],"extensions":{"code":"INTERNAL"}}]}`,
			nil, []string{"leaks"}},
		{"error where data is not null",
			`{"data":{"a":1},"errors":[{"message":"m","path":["a"],"extensions":{"code":"INTERNAL"}}]}`, nil, []string{"not null"}},
		{"request error without data", `{"errors":[{"message":"m","extensions":{"code":"BAD_USER_INPUT"}}]}`, nil, nil},
		{"not JSON", `<html>`, nil, []string{"not JSON"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			AssertNothingLost(r, []byte(tc.body), tc.allowed...)
			if len(r.errs) != len(tc.want) {
				t.Fatalf("got reports %q, want %d matching %q", r.errs, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(r.errs[i], w) {
					t.Errorf("report %d: got %q, want it to mention %q", i, r.errs[i], w)
				}
			}
		})
	}
}
