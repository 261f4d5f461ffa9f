package hotpatch_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// The rows added for June to September 2026 and the 2026 corrections, each
// with the source that states it. A row whose only source is third-party
// text must stay unconfirmed.
func TestCatalog2026Rows(t *testing.T) {
	c := hotpatch.Embedded()
	for _, tc := range []struct {
		kb          hotpatch.KB
		kind        hotpatch.Kind
		released    string
		builds      string // space separated
		source      string // a tag the row must cite
		unconfirmed bool
	}{
		// Corrections.
		{5084597, hotpatch.KindOutOfBand, "2026-03-13", "26100.7982 26200.7982", "S35", false}, // not KB5084897
		{5083769, hotpatch.KindBaseline, "2026-04-14", "26100.8246 26200.8246", "S31", false},  // two sources agree
		{5094126, hotpatch.KindBaseline, "2026-06-09", "26100.8655 26200.8655", "S38", false},  // unplanned
		// Windows 11 24H2/25H2.
		{5101650, hotpatch.KindBaseline, "2026-07-14", "26100.8875 26200.8875", "S36", true}, // baseline by the plan only
		{5121767, hotpatch.KindOutOfBand, "2026-07-18", "26100.8894 26200.8894", "S36", false},
		{5121768, hotpatch.KindOutOfBand, "2026-07-18", "26100.8893 26200.8893", "S23", true},
		{5101684, hotpatch.KindPreview, "2026-07-28", "26100.8973 26200.8973", "S36", false},
		{5121003, hotpatch.KindLCU, "2026-08-11", "26100.9168 26200.9168", "S36", false},
		{5120994, hotpatch.KindHotpatch, "2026-08-11", "26100.9106 26200.9106", "S23", true},
		{5124008, hotpatch.KindLCU, "2026-09-08", "26100.9445 26200.9445", "S39", false},
		{5129195, hotpatch.KindOutOfBand, "2026-09-14", "26100.9457 26200.9457", "S40", false},
		// Windows Server 2025.
		{5094125, hotpatch.KindBaseline, "2026-06-09", "26100.32995", "S36", false}, // unplanned
		{5099536, hotpatch.KindBaseline, "2026-07-14", "26100.33158", "S36", true},  // mirrored calendar row inconsistent
		{5120228, hotpatch.KindHotpatch, "2026-08-11", "26100.33222", "S23", true},
		{5120233, hotpatch.KindLCU, "2026-08-11", "26100.33296", "S36", false},
		{5122871, hotpatch.KindLCU, "2026-09-08", "26100.33438", "S41", false},
		// Windows Server 2022 Datacenter: Azure Edition.
		{5078136, hotpatch.KindOutOfBand, "2026-01-24", "20348.4651", "S42", false},
		{5078238, hotpatch.KindOutOfBand, "2026-01-24", "20348.4655", "S42", false},
		{5094128, hotpatch.KindLCU, "2026-06-09", "20348.5256", "S23", true},
		{5120242, hotpatch.KindLCU, "2026-08-11", "20348.5499", "S23", true},
		{5129237, hotpatch.KindOutOfBand, "2026-09-14", "20348.5631", "S43", false},
	} {
		u, err := c.ByKB(tc.kb)
		if err != nil {
			t.Errorf("%v: %v", tc.kb, err)
			continue
		}
		var builds []string
		for _, b := range u.Builds {
			builds = append(builds, b.Short())
		}
		if u.Kind != tc.kind || u.Released.String() != tc.released || strings.Join(builds, " ") != tc.builds ||
			!slices.Contains(strings.Fields(u.Source), tc.source) || (u.Unconfirmed != "") != tc.unconfirmed {
			t.Errorf("%v = %v %v builds %v source %q unconfirmed %q; want %v %s builds %s citing %s, unconfirmed %v",
				tc.kb, u.Kind, u.Released, builds, u.Source, u.Unconfirmed, tc.kind, tc.released, tc.builds, tc.source, tc.unconfirmed)
		}
	}
	// The wrong KB of the March 2026 out-of-band hotpatch is gone.
	if _, err := c.ByKB(5084897); err == nil {
		t.Error("KB5084897 is still in the catalog")
	}
	// Out-of-band hotpatches need no restart; standard out-of-band updates do.
	for kb, restart := range map[hotpatch.KB]bool{5084597: false, 5078238: false, 5121768: false, 5121767: true, 5129237: true} {
		if u, _ := c.ByKB(kb); u.Restart != restart {
			t.Errorf("%v: restart %v, want %v", kb, u.Restart, restart)
		}
	}
}
