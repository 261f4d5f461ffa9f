package msrc

import (
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// LineOf maps a CVRF product name to the hotpatch line it belongs to, or
// reports false for products of no hotpatch track. Names are matched by
// their leading words, so the architecture and installation variants
// ("for x64-based Systems", "(Server Core installation)") map to the same
// line, and "Windows Server 2022, 23H2 Edition" (build 25398) does not map.
//
//	Windows 11 Version 24H2 for x64-based Systems        Windows 11, 26100
//	Windows 11 Version 25H2 for ARM64-based Systems      Windows 11, 26200
//	Windows Server 2025 (Server Core installation)       Server 2025, 26100
//	Windows Server 2022                                  Server 2022, 20348
//	Windows Server 2022 Azure Edition Core Hotpatch      Server 2022, 20348 (2022's ProductID 0)
//
// Windows 11 versions map only when the release table of package hotpatch
// puts them at build 26100 or later (hotpatch needs 24H2).
func LineOf(name string) (Line, bool) {
	n := strings.TrimSpace(name)
	if rest, ok := strings.CutPrefix(n, "Windows 11 Version "); ok {
		v, _, _ := strings.Cut(rest, " ")
		for r := range hotpatch.Releases() {
			if r.Product == hotpatch.ProductWindows11 && strings.EqualFold(r.Version, v) && r.Number >= 26100 {
				return Line{hotpatch.TrackWindows11, r.Number}, true
			}
		}
		return Line{}, false
	}
	for _, s := range []struct {
		prefix string
		line   Line
	}{
		{"Windows Server 2025", Line{hotpatch.TrackServer2025, 26100}},
		{"Windows Server 2022", Line{hotpatch.TrackServer2022, 20348}},
	} {
		rest, ok := strings.CutPrefix(n, s.prefix)
		if !ok {
			continue
		}
		// "Windows Server 2022, 23H2 Edition" is another release; the
		// installation variant and the 2022 hotpatch products follow a
		// space: " (Server Core installation)", " Azure Edition Core
		// Hotpatch", " Datacenter: Azure Edition (Hotpatch)".
		if rest == "" || rest[0] == ' ' {
			return s.line, true
		}
	}
	return Line{}, false
}

// String returns "Windows 11 26100".
func (l Line) String() string {
	return l.Track.String() + " " + uitoa(l.Number)
}

func uitoa(n uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
