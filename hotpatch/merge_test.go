package hotpatch_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
)

// The rules of Catalog.Merge for a KB that the catalog already holds: an
// agreeing row adds tracks, builds of other build numbers and provenance;
// a disagreeing one is a *ConflictError naming the field.
func TestCatalogMergeKnownKB(t *testing.T) {
	c := hotpatch.Embedded()
	const prov = `"provenance":[{"document":"MSRC CVRF 2025-Aug","revision":"2025-09-01T00:00:00Z"}]`
	// KB5064010, August 2025 hotpatch 26100.4851 on Windows 11 and Server 2025, baseline KB5062553.
	row := func(fields string) string {
		return `[{"kb":"KB5064010","kind":"hotpatch","restart":false,"baseline":"KB5062553","source":"CVRF",` + fields + `}]`
	}
	agree := []struct {
		name, rows string
		check      func(hotpatch.Update) string
	}{
		{"same content, new provenance", row(`"tracks":["windows11"],"builds":["26100.4851"],"released":"2025-08-12",` + prov),
			func(u hotpatch.Update) string {
				if u.Source != "S3 CVRF" || len(u.Provenance) != 1 || u.Provenance[0].Document != "MSRC CVRF 2025-Aug" {
					return "source/provenance not merged"
				}
				if !slices.Equal(u.Tracks, []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025}) {
					return "tracks changed"
				}
				return ""
			}},
		{"a build of another build number", row(`"tracks":["windows11"],"builds":["26100.4851","26200.4851"],"released":"2025-08-12",` + prov),
			func(u hotpatch.Update) string {
				if len(u.Builds) != 2 || u.Builds[1].Short() != "26200.4851" {
					return "builds not merged"
				}
				return ""
			}},
	}
	for _, tc := range agree {
		m, err := c.Merge(strings.NewReader(tc.rows))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		u, _ := m.ByKB(5064010)
		if msg := tc.check(u); msg != "" {
			t.Errorf("%s: %s: %+v", tc.name, msg, u)
		}
		// Merging the same rows again changes nothing.
		m2, err := m.Merge(strings.NewReader(tc.rows))
		if err != nil {
			t.Fatalf("%s: re-merge: %v", tc.name, err)
		}
		if diff := cmp.Diff(slices.Collect(m.All()), slices.Collect(m2.All())); diff != "" {
			t.Errorf("%s: re-merge changed the catalog:\n%s", tc.name, diff)
		}
	}
	conflicts := []struct{ field, rows string }{
		{"kind", `[{"kb":"KB5064010","kind":"lcu","restart":true,"tracks":["windows11"],"builds":["26100.4851"],"released":"2025-08-12","source":"CVRF"}]`},
		{"released", row(`"tracks":["windows11"],"builds":["26100.4851"],"released":"2025-08-13"`)},
		{"builds", row(`"tracks":["windows11"],"builds":["26100.4852"],"released":"2025-08-12"`)},
		{"baseline", `[{"kb":"KB5064010","kind":"hotpatch","restart":false,"baseline":"KB5055523","tracks":["windows11"],"builds":["26100.4851"],"released":"2025-08-12","source":"CVRF"}]`},
	}
	for _, tc := range conflicts {
		_, err := c.Merge(strings.NewReader(tc.rows))
		var ce *hotpatch.ConflictError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Existing.KB != 5064010 || ce.Existing.Source != "S3" || ce.New.Source != "CVRF" {
			t.Errorf("%s conflict: error %v", tc.field, err)
		}
	}
}

// An agreeing row without an unconfirmed mark confirms a row that had one,
// and fills in builds the row lacked.
func TestCatalogMergeConfirms(t *testing.T) {
	c := hotpatch.Embedded()
	before, err := c.ByKB(5094126)
	if err != nil || before.Unconfirmed == "" || len(before.Builds) != 0 {
		t.Skipf("the embedded row for KB5094126 changed (%+v): this test needs an unconfirmed row without builds", before)
	}
	m, err := c.Merge(strings.NewReader(`[{"kb":"KB5094126","tracks":["windows11"],"builds":["26100.8655","26200.8655"],"released":"2026-06-09","kind":"baseline","restart":true,"source":"CVRF","provenance":[{"document":"MSRC CVRF 2026-Jun"}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := m.ByKB(5094126)
	if u.Unconfirmed != "" || len(u.Builds) != 2 || u.Source != before.Source+" CVRF" {
		t.Errorf("merged row = %+v", u)
	}
}
