package jsontest_test

import (
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/internal/jsontest"
)

// resultTypes are the module's exported types that are written as JSON:
// what the examples' -json outputs and the JSON readers hold. Every struct
// type reachable from them is checked; add a new result type here.
var resultTypes = []any{
	// hotpatch: the catalog's rows and the device description.
	hotpatch.Update{}, hotpatch.Release{}, hotpatch.Device{},
	// eligibility: verdicts (a Verdict encodes as its Explanation), fleet
	// reports, offers, rules.
	eligibility.Explanation{}, eligibility.Result{}, eligibility.Report{}, eligibility.Offer{},
	eligibility.Rule{}, eligibility.Finding{}, eligibility.InputSummary{},
	// cadence: simulation options, reports and timelines, the calendar.
	cadence.Options{}, cadence.FleetReport{}, cadence.Timeline{}, cadence.Event{}, cadence.Override{},
	// binarydiff: the diff, the assessment, the explanation of a change.
	binarydiff.Result{}, binarydiff.Assessment{}, binarydiff.Explanation{}, binarydiff.ImageFacts{},
}

func TestResultTypesTagged(t *testing.T) {
	for _, p := range jsontest.TagProblems(resultTypes...) {
		t.Error(p)
	}
}

func TestTagProblemsFindsBadTags(t *testing.T) {
	type inner struct {
		Good  int `json:"good"`
		Snake int `json:"snake_case"`
	}
	type embedded struct {
		Promoted int `json:"promoted"`
		Bare     int
	}
	type outer struct {
		embedded
		Inner   []*inner         `json:"inner"`
		ByName  map[string]inner `json:"byName"`
		Upper   int              `json:"Upper"`
		Acronym int              `json:"oldRVA"`
		None    int              // no tag
		Skipped int              `json:"-"`
		Opt     int              `json:",omitempty"`
		When    hotpatch.Date    `json:"when"` // encodes as text: a leaf
		private int
	}
	_ = outer{}.private // not encoded: no tag needed
	got := strings.Join(jsontest.TagProblems(outer{}), "\n")
	for _, want := range []string{
		`inner.Snake: json name "snake_case" is not lowerCamel`,
		`outer.Upper: json name "Upper" is not lowerCamel`,
		`outer.Acronym: json name "oldRVA" is not lowerCamel`,
		`outer.None: no json tag name`,
		`outer.Opt: no json tag name`,
		`embedded.Bare: no json tag name`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 6 {
		t.Errorf("%d problems, want 6:\n%s", n, got)
	}
}

func TestIsLowerCamel(t *testing.T) {
	for name, want := range map[string]bool{
		"asOf": true, "imageBase": true, "oldRva": true, "p90": true, "x": true,
		"AsOf": false, "image_base": false, "oldRVA": false, "": false, "as-of": false, "1st": false,
	} {
		if got := jsontest.IsLowerCamel(name); got != want {
			t.Errorf("IsLowerCamel(%q) = %v", name, got)
		}
	}
}
