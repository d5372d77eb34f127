package cost_test

import (
	"encoding/json"
	"testing"

	"github.com/gqlbff/gqlbff/cost"
)

func TestInt(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int64
		ok   bool
	}{
		{int64(7), 7, true}, {7, 7, true}, {int32(7), 7, true}, {json.Number("7"), 7, true}, {7.0, 7, true},
		{7.5, 0, false}, {json.Number("7.5"), 0, false}, {float64(1 << 60), 0, false}, {"7", 0, false}, {nil, 0, false},
	} {
		if got, ok := cost.Int(tc.v); got != tc.want || ok != tc.ok {
			t.Errorf("Int(%#v) = %d, %v; want %d, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
