package hotpatch

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// A Build is a Windows build number, major.minor.build.revision, as in
// 10.0.26100.2894. The revision is the update build revision (UBR) that each
// monthly update raises; the build (Number) names the release (26100 is
// Windows 11 24H2 and Windows Server 2025).
//
// The zero Build means "unknown build".
type Build struct {
	Major    uint32 // 10 for every release since Windows 10
	Minor    uint32 // 0 for every release since Windows 10
	Number   uint32 // CurrentBuild, e.g. 26100
	Revision uint32 // UBR, e.g. 2894
}

// NewBuild returns the build 10.0.number.revision.
func NewBuild(number, revision uint32) Build {
	return Build{Major: 10, Minor: 0, Number: number, Revision: revision}
}

// ParseBuild parses a build in one of the forms inventories contain:
//
//	10.0.26100.2894   major.minor.build.revision
//	10.0.26100        major.minor.build (revision 0)
//	26100.2894        build.revision (major.minor 10.0)
//	26100             build (revision 0)
//
// Surrounding space is ignored. Each part is a decimal number that fits in
// 32 bits, and the build number is not 0. The error is a *ParseError wrapping ErrSyntax or ErrRange.
func ParseBuild(s string) (Build, error) {
	t := strings.TrimSpace(s)
	parts := strings.Split(t, ".")
	var nums [4]uint32
	for i, p := range parts {
		if i == len(nums) {
			return Build{}, parseErr("build", s, fmt.Errorf("%w: more than 4 parts", ErrSyntax))
		}
		n, err := parseUint32(p)
		if err != nil {
			return Build{}, parseErr("build", s, err)
		}
		nums[i] = n
	}
	var b Build
	switch len(parts) {
	case 4:
		b = Build{nums[0], nums[1], nums[2], nums[3]}
	case 3:
		b = Build{nums[0], nums[1], nums[2], 0}
	case 2:
		b = NewBuild(nums[0], nums[1])
	default: // 1
		b = NewBuild(nums[0], 0)
	}
	if b.Number == 0 {
		// No Windows release has build number 0, and the zero Build means
		// "unknown": a parse must never produce it.
		return Build{}, parseErr("build", s, fmt.Errorf("%w: build number 0", ErrRange))
	}
	return b, nil
}

// parseUint32 accepts only plain decimal digits: no sign, no space, no
// underscore, which strconv would otherwise allow in some forms.
func parseUint32(p string) (uint32, error) {
	if p == "" {
		return 0, fmt.Errorf("%w: empty part", ErrSyntax)
	}
	for _, c := range []byte(p) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q is not a decimal number", ErrSyntax, p)
		}
	}
	n, err := strconv.ParseUint(p, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%w: %s does not fit in 32 bits", ErrRange, p)
	}
	return uint32(n), nil
}

// MustParseBuild is like ParseBuild but panics on error. It is meant for
// constants in programs and tests.
func MustParseBuild(s string) Build {
	b, err := ParseBuild(s)
	if err != nil {
		panic(err)
	}
	return b
}

// String returns the full form, 10.0.26100.2894, or "" for the zero Build.
func (b Build) String() string {
	if b.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d.%d", b.Major, b.Minor, b.Number, b.Revision)
}

// Short returns the build.revision form, 26100.2894, that release notes use.
func (b Build) Short() string {
	if b.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%d", b.Number, b.Revision)
}

// IsZero reports whether b is the zero (unknown) Build.
func (b Build) IsZero() bool { return b == Build{} }

// Compare returns -1, 0 or +1 as b is less than, equal to or greater than c,
// comparing major, minor, build and revision in that order.
//
// Numeric order is release order within one servicing line, but it is not
// security order: a hotpatch has a lower revision than the cumulative update
// of the same month. Use Catalog.Protected to ask about fixes.
func (b Build) Compare(c Build) int {
	return cmp.Or(
		cmp.Compare(b.Major, c.Major),
		cmp.Compare(b.Minor, c.Minor),
		cmp.Compare(b.Number, c.Number),
		cmp.Compare(b.Revision, c.Revision),
	)
}

// Less reports whether b sorts before c.
func (b Build) Less(c Build) bool { return b.Compare(c) < 0 }

// MarshalText encodes b in its full form; the zero Build encodes as "".
func (b Build) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText accepts every form ParseBuild does; "" decodes to the zero
// (unknown) Build.
func (b *Build) UnmarshalText(text []byte) error {
	if len(strings.TrimSpace(string(text))) == 0 {
		*b = Build{}
		return nil
	}
	v, err := ParseBuild(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}
