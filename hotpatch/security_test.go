package hotpatch_test

import (
	"errors"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func TestProtected(t *testing.T) {
	c := hotpatch.Embedded()
	tests := []struct {
		name      string
		have, fix string
		want      hotpatch.Tri
		err       error
	}{
		// Windows Server release information [S3]: CVE-2025-53779, fixed by LCU 26100.4946 or hotpatch 26100.4851.
		{"hotpatch has its month's LCU fixes", "26100.4851", "26100.4946", hotpatch.True, nil},
		{"LCU has its month's hotpatch fixes", "26100.4946", "26100.4851", hotpatch.True, nil},
		{"revision in the gap is unknown", "26100.4900", "26100.4946", hotpatch.Unknown, hotpatch.ErrNotFound},
		{"previous month's LCU lacks the fix", "26100.4349", "26100.4946", hotpatch.False, nil},
		{"previous month's hotpatch lacks the fix", "26100.4270", "26100.4851", hotpatch.False, nil},
		{"baseline carries earlier fixes", "26100.4652", "26100.4349", hotpatch.True, nil},
		{"25H2 shares revisions with 24H2", "26200.7092", "26100.7171", hotpatch.True, nil},
		{"Server 2025 2026 range", "26100.32772", "26100.32860", hotpatch.True, nil},
		{"Server 2025 hotpatch vs next month", "26100.32313", "26100.32522", hotpatch.False, nil},
		{"Server 2025 and client diverged in 2026", "26100.32772", "26100.8457", hotpatch.Unknown, hotpatch.ErrIncomparable},
		{"Server 2025 2026 build vs shared 2025 build", "26100.32230", "26100.7392", hotpatch.True, nil},
		{"Server 2022 hotpatch", "20348.3989", "20348.3932", hotpatch.True, nil},
		{"unknown fixed build", "26100.4851", "26100.1", hotpatch.Unknown, hotpatch.ErrNotFound},
	}
	for _, tt := range tests {
		got, err := c.Protected(hotpatch.MustParseBuild(tt.have), hotpatch.MustParseBuild(tt.fix))
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("%s: Protected(%s, %s) = %v, %v; want %v, %v", tt.name, tt.have, tt.fix, got, err, tt.want, tt.err)
		}
	}
}

// Every hotpatch build is protected against everything its month's LCU (or
// baseline) fixes, and against nothing released later on its tracks.
func TestHotpatchProtectionMatchesItsMonth(t *testing.T) {
	c := hotpatch.Embedded()
	for h := range c.All() {
		if h.Kind != hotpatch.KindHotpatch {
			continue
		}
		for f := range c.All() {
			if len(f.Builds) == 0 || !sharesTrack(h, f) {
				continue
			}
			got, err := c.Protected(h.Build(), f.Build())
			if err != nil {
				// f's first build may be an older re-release of the same build.
				continue
			}
			hy, hm := h.Month()
			fy, fm := f.Month()
			sameMonthB := hy == fy && hm == fm && f.Kind == hotpatch.KindLCU
			later := f.Released.After(h.Released)
			if sameMonthB && got != hotpatch.True {
				t.Errorf("hotpatch %v not protected against its month's LCU %v", h.KB, f.KB)
			}
			if later && got != hotpatch.False {
				t.Errorf("hotpatch %v (%v) protected against later %v (%v)", h.KB, h.Released, f.KB, f.Released)
			}
		}
	}
}

func sharesTrack(a, b hotpatch.Update) bool {
	for _, t := range a.Tracks {
		if b.On(t) {
			return true
		}
	}
	return false
}

func TestSecurityMonth(t *testing.T) {
	y, m, err := hotpatch.Embedded().SecurityMonth(hotpatch.MustParseBuild("26100.4851"))
	if err != nil || y != 2025 || m != 8 {
		t.Errorf("SecurityMonth(26100.4851) = %d-%d, %v", y, m, err)
	}
}

func TestBuildRelease(t *testing.T) {
	b := hotpatch.MustParseBuild("26100.2894")
	r, err := b.Release(hotpatch.EditionEnterprise)
	if err != nil || r.String() != "Windows 11 24H2" {
		t.Errorf("Release(Enterprise) = %v, %v", r, err)
	}
	r, err = b.Release(hotpatch.EditionServerDatacenter)
	if err != nil || r.String() != "Windows Server 2025" || r.EndOfServicing.String() != "2034-11-14" {
		t.Errorf("Release(Datacenter) = %v, %v", r, err)
	}
	if _, err := b.Release(hotpatch.EditionUnknown); !errors.Is(err, hotpatch.ErrAmbiguous) {
		t.Errorf("Release(unknown edition) error = %v", err)
	}
	if _, err := hotpatch.MustParseBuild("12345.1").Release(hotpatch.EditionPro); !errors.Is(err, hotpatch.ErrNotFound) {
		t.Errorf("Release(12345) error = %v", err)
	}
	r, err = hotpatch.MustParseBuild("26200.7092").Release(hotpatch.EditionUnknown)
	if err != nil || r.Version != "25H2" {
		t.Errorf("26200 = %v, %v", r, err)
	}
}
