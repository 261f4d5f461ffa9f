package hotpatch_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/hotpatchtest"
	"pgregory.net/rapid"
)

func TestParseBuild(t *testing.T) {
	tests := []struct {
		in   string
		want hotpatch.Build
		err  error
	}{
		{"10.0.26100.2894", hotpatch.Build{10, 0, 26100, 2894}, nil},
		{"  10.0.26100.2894\t", hotpatch.Build{10, 0, 26100, 2894}, nil},
		{"26100.2894", hotpatch.Build{10, 0, 26100, 2894}, nil},
		{"10.0.26100", hotpatch.Build{10, 0, 26100, 0}, nil},
		{"26100", hotpatch.Build{10, 0, 26100, 0}, nil},
		{"6.3.9600.20778", hotpatch.Build{6, 3, 9600, 20778}, nil},
		{"10.0.26100.4294967295", hotpatch.Build{10, 0, 26100, 4294967295}, nil},
		{"10.0.abc", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"10.0.26100.-1", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"10.0.26100.+1", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"99999999999", hotpatch.Build{}, hotpatch.ErrRange},
		{"10.0.26100.4294967296", hotpatch.Build{}, hotpatch.ErrRange},
		{"", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"   ", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"10..26100.1", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"26100.", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"10.0.26100.2894.1", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"10.0.26100.2894 beta", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"0x10.0", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"1_000", hotpatch.Build{}, hotpatch.ErrSyntax},
		{"0.0.0", hotpatch.Build{}, hotpatch.ErrRange},
		{"10.0.0.1", hotpatch.Build{}, hotpatch.ErrRange},
	}
	for _, tt := range tests {
		got, err := hotpatch.ParseBuild(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseBuild(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
		}
		var pe *hotpatch.ParseError
		if tt.err != nil && (!errors.As(err, &pe) || pe.Value != tt.in || pe.Type != "build") {
			t.Errorf("ParseBuild(%q) error %#v does not name the value", tt.in, err)
		}
	}
}

func TestBuildStringForms(t *testing.T) {
	b := hotpatch.MustParseBuild("26100.2894")
	if got := b.String(); got != "10.0.26100.2894" {
		t.Errorf("String = %q", got)
	}
	if got := b.Short(); got != "26100.2894" {
		t.Errorf("Short = %q", got)
	}
	if got := (hotpatch.Build{}).String(); got != "" {
		t.Errorf("zero String = %q", got)
	}
}

func TestBuildRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := hotpatchtest.AnyBuild().Draw(t, "b")
		if b.Number == 0 {
			return
		}
		got, err := hotpatch.ParseBuild(b.String())
		if err != nil || got != b {
			t.Fatalf("ParseBuild(%q) = %v, %v", b.String(), got, err)
		}
		data, err := json.Marshal(struct{ B hotpatch.Build }{b})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ B hotpatch.Build }
		if err := json.Unmarshal(data, &back); err != nil || back.B != b {
			t.Fatalf("JSON round trip of %v via %s = %v, %v", b, data, back.B, err)
		}
	})
}

// Compare must be the lexicographic order of the numeric tuple, and so a total order.
func TestBuildCompareIsTupleOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := hotpatchtest.Build().Draw(t, "a"), hotpatchtest.Build().Draw(t, "b"), hotpatchtest.Build().Draw(t, "c")
		tuple := func(x hotpatch.Build) [4]uint32 { return [4]uint32{x.Major, x.Minor, x.Number, x.Revision} }
		want := 0
		ta, tb := tuple(a), tuple(b)
		for i := range ta {
			if ta[i] != tb[i] {
				want = map[bool]int{true: -1, false: 1}[ta[i] < tb[i]]
				break
			}
		}
		if got := a.Compare(b); got != want {
			t.Fatalf("%v.Compare(%v) = %d, want %d", a, b, got, want)
		}
		if a.Compare(b) != -b.Compare(a) {
			t.Fatalf("Compare not antisymmetric for %v, %v", a, b)
		}
		if a.Less(b) && b.Less(c) && !a.Less(c) {
			t.Fatalf("Less not transitive: %v < %v < %v", a, b, c)
		}
	})
}

func TestConstraint(t *testing.T) {
	tests := []struct {
		c     string
		build string
		want  bool
	}{
		{">= 26100.1742, < 26200", "26100.1742", true},
		{">= 26100.1742, < 26200", "26100.1741", false},
		{">= 26100.1742, < 26200", "26200.1", false},
		{">= 26100.1742, < 26200", "10.0.26199.99999", true},
		{"26100.2894", "10.0.26100.2894", true},
		{"== 26100.2894", "26100.2895", false},
		{"!= 26100.2894", "26100.2895", true},
		{"<= 22631 || >= 26100.2033", "22000.1", true},
		{"<= 22631 || >= 26100.2033", "26100.2000", false},
		{">26100", "26100.1", true},
	}
	for _, tt := range tests {
		c := hotpatch.MustParseConstraint(tt.c)
		if got := c.Check(hotpatch.MustParseBuild(tt.build)); got != tt.want {
			t.Errorf("%q.Check(%s) = %v, want %v", tt.c, tt.build, got, tt.want)
		}
	}
	for _, bad := range []string{"", ">= ", ">= 26100,", "~26100", "^10.0", ">= 10.0.abc", "=> 26100"} {
		if _, err := hotpatch.ParseConstraint(bad); !errors.Is(err, hotpatch.ErrSyntax) {
			t.Errorf("ParseConstraint(%q) error = %v, want ErrSyntax", bad, err)
		}
	}
	if !(hotpatch.Constraint{}).Check(hotpatch.MustParseBuild("1.2.3.4")) {
		t.Error("zero Constraint rejects a build")
	}
}
