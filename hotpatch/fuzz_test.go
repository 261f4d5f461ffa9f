package hotpatch_test

import (
	"bytes"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func FuzzParseBuild(f *testing.F) {
	for _, s := range []string{"10.0.26100.2894", "26100.2894", "26100", "10.0.abc", "10.0.26100.-1", "99999999999", "", "1.2.3.4.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := hotpatch.ParseBuild(s)
		if err != nil {
			return
		}
		// Whatever parses must print to a form that parses back to itself.
		if back, err := hotpatch.ParseBuild(b.String()); err != nil || back != b {
			t.Fatalf("%q parsed to %v, which reparses to %v, %v", s, b, back, err)
		}
	})
}

func FuzzParseConstraint(f *testing.F) {
	for _, s := range []string{">= 26100.1742, < 26200", "26100 || 22631", "!=1", ",", "||", ">=>="} {
		f.Add(s, "26100.2894")
	}
	f.Fuzz(func(t *testing.T, s, build string) {
		c, err := hotpatch.ParseConstraint(s)
		if err != nil {
			return
		}
		if b, err := hotpatch.ParseBuild(build); err == nil {
			c.Check(b)
		}
	})
}

func FuzzParseEnums(f *testing.F) {
	for _, s := range []string{"Windows 11 Enterprise", "EnterpriseS", "ServerDatacenterACor", "x64", "Intune", "E5", "2", "windows", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := hotpatch.ParseEdition(s); err == nil {
			if back, err := hotpatch.ParseEdition(e.String()); err != nil || back != e {
				t.Fatalf("edition %q -> %v -> %v, %v", s, e, back, err)
			}
		}
		hotpatch.ParseArch(s)
		hotpatch.ParseManagement(s)
		hotpatch.ParseLicense(s)
		hotpatch.ParseVBS(s)
		hotpatch.ParseTri(s)
		hotpatch.ParseKB(s)
	})
}

func FuzzCatalogMerge(f *testing.F) {
	f.Add([]byte(`[{"kb":"KB5999999","tracks":["server2025"],"builds":["26100.32900"],"released":"2026-06-09","kind":"hotpatch","restart":false,"baseline":"KB5082063","source":"S3"}]`))
	f.Add([]byte(`[{"kb":"KB5064010"}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hotpatch.Embedded().Merge(bytes.NewReader(data))
	})
}
