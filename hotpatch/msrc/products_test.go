package msrc_test

import (
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/msrc"
)

func TestLineOf(t *testing.T) {
	w11, s25, s22 := hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022
	for _, tc := range []struct {
		name   string
		track  hotpatch.Track
		number uint32
	}{
		{"Windows 11 Version 24H2 for x64-based Systems", w11, 26100},
		{"Windows 11 Version 24H2 for ARM64-based Systems", w11, 26100},
		{"Windows 11 Version 25H2 for x64-based Systems", w11, 26200},
		{"Windows Server 2025", s25, 26100},
		{"Windows Server 2025 (Server Core installation)", s25, 26100},
		{"Windows Server 2022", s22, 20348},
		{"Windows Server 2022 (Server Core installation)", s22, 20348},
		{"Windows Server 2022 Azure Edition Core Hotpatch", s22, 20348},
		{"Windows Server 2022 Datacenter: Azure Edition (Hotpatch)", s22, 20348},
		{"Windows Server 2022, 23H2 Edition (Server Core installation)", 0, 0},
		{"Windows 11 Version 23H2 for x64-based Systems", 0, 0},
		{"Windows 10 Version 1809 for 32-bit Systems", 0, 0},
		{"Microsoft .NET Framework 4.8 on Windows Server 2022", 0, 0},
		{"Windows Server 20222", 0, 0},
	} {
		l, ok := msrc.LineOf(tc.name)
		if ok != (tc.track != 0) || l.Track != tc.track || l.Number != tc.number {
			t.Errorf("LineOf(%q) = %v, %v", tc.name, l, ok)
		}
	}
}
