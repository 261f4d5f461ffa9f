package cadence

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// The default Autopatch ring deferrals changed with the Learn text of
// 2025-03-31 [S44]; the 2024 values [S18] stay selectable by date.
func TestAutopatchRingsOn(t *testing.T) {
	deferrals := func(rs []Ring) []int {
		var d []int
		for _, r := range rs {
			d = append(d, r.Deferral)
		}
		return d
	}
	for _, tc := range []struct {
		day    hotpatch.Date
		want   []int
		source string
	}{
		{hotpatch.Date{Year: 2024, Month: 9, Day: 16}, []int{0, 1, 6, 9, 11}, "S18, ms.date 2024-09-16"},
		{hotpatch.Date{Year: 2025, Month: 3, Day: 30}, []int{0, 1, 6, 9, 11}, "S18"},
		{hotpatch.Date{Year: 2025, Month: 3, Day: 31}, []int{0, 1, 5, 9, 10}, "S44, ms.date 2025-03-31"},
		{hotpatch.Date{Year: 2026, Month: 12, Day: 7}, []int{0, 1, 5, 9, 10}, "S44"},
	} {
		rs := AutopatchRingsOn(tc.day)
		if diff := cmp.Diff(tc.want, deferrals(rs)); diff != "" {
			t.Errorf("%v [%s] deferrals (-want +got):\n%s", tc.day, tc.source, diff)
		}
		for _, r := range rs {
			if err := r.Validate(); err != nil {
				t.Error(err)
			}
		}
	}
	if diff := cmp.Diff(AutopatchRingsOn(AutopatchRings2025), AutopatchRings()); diff != "" {
		t.Errorf("AutopatchRings is not the current text's (-want +got):\n%s", diff)
	}
}
