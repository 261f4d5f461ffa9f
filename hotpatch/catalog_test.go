package hotpatch_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
)

var tracks = []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022}

func TestCatalogLookups(t *testing.T) {
	c := hotpatch.Embedded()
	u, err := c.ByKB(5064010)
	if err != nil || u.Build().Short() != "26100.4851" || u.Kind != hotpatch.KindHotpatch || u.Restart {
		t.Fatalf("ByKB(KB5064010) = %v, %v", u, err)
	}
	base, err := c.BaselineOf(u)
	if err != nil || base.KB != 5062553 || base.Build().Short() != "26100.4652" {
		t.Errorf("BaselineOf(KB5064010) = %v, %v", base, err)
	}
	u, err = c.ByBuild(hotpatch.MustParseBuild("10.0.26200.7092"))
	if err != nil || u.KB != 5068966 {
		t.Errorf("ByBuild(26200.7092) = %v, %v", u, err)
	}
	u, err = c.Latest(hotpatch.TrackWindows11, hotpatch.KindBaseline, hotpatch.Date{Year: 2025, Month: 9, Day: 30})
	if err != nil || u.KB != 5062553 {
		t.Errorf("Latest baseline as of 2025-09-30 = %v, %v", u, err)
	}
	u, err = c.Latest(hotpatch.TrackServer2022, hotpatch.KindUnknown, hotpatch.Date{Year: 2024, Month: 8, Day: 20})
	if err != nil || u.KB != 5041160 || u.Kind != hotpatch.KindBaseline {
		t.Errorf("Server 2022 August 2024 (unplanned baseline) = %v, %v", u, err)
	}
	for _, err := range []error{
		func() error { _, err := c.ByKB(1); return err }(),
		func() error { _, err := c.ByBuild(hotpatch.MustParseBuild("26100.4900")); return err }(),
		func() error {
			_, err := c.Latest(hotpatch.TrackServer2025, hotpatch.KindBaseline, hotpatch.Date{Year: 2020, Month: 1, Day: 1})
			return err
		}(),
	} {
		var nf *hotpatch.NotFoundError
		if !errors.Is(err, hotpatch.ErrNotFound) || !errors.As(err, &nf) {
			t.Errorf("lookup error = %v, want a *NotFoundError", err)
		}
	}
}

// The embedded catalog must be internally consistent: these are the checks a
// newly transcribed month has to pass.
func TestCatalogConsistency(t *testing.T) {
	c := hotpatch.Embedded()
	seen := map[hotpatch.KB]bool{}
	for u := range c.All() {
		if seen[u.KB] {
			t.Errorf("KB %v appears twice", u.KB)
		}
		seen[u.KB] = true
		for _, tag := range strings.Fields(u.Source) {
			if _, ok := hotpatch.Sources[tag]; !ok {
				t.Errorf("%v cites unknown source %q", u.KB, tag)
			}
		}
		if u.Kind == hotpatch.KindHotpatch {
			base, err := c.BaselineOf(u)
			if err != nil || !base.Released.Before(u.Released) || base.Kind != hotpatch.KindBaseline {
				t.Errorf("%v: baseline %v, %v", u.KB, base, err)
			}
		}
		if u.Unconfirmed == "" && !hasStrongSource(u.Source) {
			t.Errorf("%v rests on third-party sources only but is not marked unconfirmed", u.KB)
		}
	}
	// Within a track, the hotpatch train (baselines and hotpatches) and the
	// restart train (baselines and standard updates) each rise with time.
	for _, tr := range tracks {
		for _, train := range [][]hotpatch.Kind{
			{hotpatch.KindBaseline, hotpatch.KindHotpatch},
			{hotpatch.KindBaseline, hotpatch.KindLCU},
		} {
			var prev hotpatch.Update
			for u := range c.Track(tr) {
				if !(u.Kind == train[0] || u.Kind == train[1]) || len(u.Builds) == 0 {
					continue
				}
				if prev.KB != 0 && u.Build().Number == prev.Build().Number && !prev.Build().Less(u.Build()) {
					t.Errorf("%v: %v (%v) does not follow %v (%v)", tr, u.KB, u.Build().Short(), prev.KB, prev.Build().Short())
				}
				prev = u
			}
		}
	}
}

// hasStrongSource accepts rows that cite a first-party source; S21/S22,
// which copy Microsoft's release health pages and KB titles; or two
// independent third-party sources that agree (KB5083769: S24 and S31). S23,
// news and forum text, never counts towards the two.
func hasStrongSource(source string) bool {
	thirdParty := 0
	for _, tag := range strings.Fields(source) {
		switch {
		case hotpatch.Sources[tag].FirstParty || tag == "S21" || tag == "S22":
			return true
		case tag != "S23":
			thirdParty++
		}
	}
	return thirdParty >= 2
}

func TestCatalogMerge(t *testing.T) {
	c := hotpatch.Embedded()
	// A new month arrives: the June 2026 Server 2025 hotpatch (an invented KB).
	next := `[{"kb":"KB5999999","tracks":["server2025"],"builds":["26100.32900"],"released":"2026-06-09","kind":"hotpatch","restart":false,"baseline":"KB5082063","source":"S3"}]`
	m, err := c.Merge(strings.NewReader(next))
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != c.Len()+1 {
		t.Errorf("merged Len = %d, want %d", m.Len(), c.Len()+1)
	}
	if _, err := c.ByKB(5999999); err == nil {
		t.Error("Merge changed the original catalog")
	}
	// Re-merging identical rows is harmless.
	if _, err := m.Merge(strings.NewReader(next)); err != nil {
		t.Errorf("re-merge: %v", err)
	}
	// A different row for a known KB is a conflict naming both.
	conflict := `[{"kb":"KB5064010","tracks":["windows11"],"builds":["26100.4852"],"released":"2025-08-12","kind":"hotpatch","restart":false,"baseline":"KB5062553","source":"S3"}]`
	_, err = c.Merge(strings.NewReader(conflict))
	var ce *hotpatch.ConflictError
	if !errors.As(err, &ce) || ce.Existing.Build().Short() != "26100.4851" || ce.New.Build().Short() != "26100.4852" {
		t.Errorf("conflicting merge error = %v", err)
	}
	for name, bad := range map[string]string{
		"not json":         `{`,
		"unknown field":    `[{"kb":"KB1","tracks":["windows11"],"builds":["26100.1"],"released":"2026-01-01","kind":"lcu","restart":true,"source":"S3","colour":"red"}]`,
		"bad build":        `[{"kb":"KB1","tracks":["windows11"],"builds":["10.0.abc"],"released":"2026-01-01","kind":"lcu","restart":true,"source":"S3"}]`,
		"unknown kind":     `[{"kb":"KB1","tracks":["windows11"],"builds":["26100.1"],"released":"2026-01-01","kind":"weekly","restart":true,"source":"S3"}]`,
		"missing baseline": `[{"kb":"KB1","tracks":["windows11"],"builds":["26100.1"],"released":"2026-01-01","kind":"hotpatch","restart":false,"baseline":"KB2","source":"S3"}]`,
		"newer baseline":   `[{"kb":"KB1","tracks":["windows11"],"builds":["26100.1"],"released":"2025-01-01","kind":"hotpatch","restart":false,"baseline":"KB5074109","source":"S3"}]`,
		"no source":        `[{"kb":"KB1","tracks":["windows11"],"builds":["26100.1"],"released":"2026-01-01","kind":"lcu","restart":true}]`,
	} {
		if _, err := c.Merge(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: Merge accepted %s", name, bad)
		}
	}
}

func TestUpdateJSONRoundTrip(t *testing.T) {
	for u := range hotpatch.Embedded().All() {
		data, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		var back hotpatch.Update
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, back); diff != "" {
			t.Errorf("%v round trip (-want +got):\n%s", u.KB, diff)
		}
	}
}
