package eligibility

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func mustFor(t testing.TB, track hotpatch.Track, day hotpatch.Date) *Policy {
	t.Helper()
	p, err := For(track, day)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ruleIDs(p *Policy) []string {
	var ids []string
	for _, r := range p.Rules() {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestForPicksRulesInForce checks that policies change with the dates the
// sources give.
func TestForPicksRulesInForce(t *testing.T) {
	tests := []struct {
		track hotpatch.Track
		day   hotpatch.Date
		rule  string
		title string // a word the title of the version in force contains
	}{
		{hotpatch.TrackWindows11, mar2025, "arch", "public preview"},   // S1c
		{hotpatch.TrackWindows11, sep2025, "arch", "x64 or Arm64"},     // S1d
		{hotpatch.TrackWindows11, sep2025, "os", "24H2 (build 26100)"}, // before 25H2
		{hotpatch.TrackWindows11, may2026, "os", "26200"},              // S21, S22
		{hotpatch.TrackWindows11, sep2025, "policy", "quality update policy with hotpatch on"},
		{hotpatch.TrackWindows11, may2026, "policy", "Autopatch default"},    // S7
		{hotpatch.TrackServer2025, mar2025, "policy", "free preview"},        // S4a
		{hotpatch.TrackServer2025, sep2025, "policy", "paid"},                // S8
		{hotpatch.TrackServer2025, june2026, "policy", "no additional cost"}, // S9
	}
	for _, tt := range tests {
		p := mustFor(t, tt.track, tt.day)
		r, ok := p.Rule(tt.rule)
		if !ok || !strings.Contains(r.Title, tt.title) {
			t.Errorf("For(%v, %v).Rule(%q) = %q, want a title with %q", tt.track, tt.day, tt.rule, r.Title, tt.title)
		}
		if !r.InForce(tt.day) {
			t.Errorf("rule %q not in force on %v", r.ID, tt.day)
		}
		if r.URL == "" {
			t.Errorf("rule %q has no URL", r.ID)
		}
	}
}

func TestEveryRuleHasSourceAndRemedy(t *testing.T) {
	for _, p := range []*Policy{
		mustFor(t, hotpatch.TrackWindows11, may2026),
		mustFor(t, hotpatch.TrackServer2025, may2026),
		mustFor(t, hotpatch.TrackServer2022, may2026),
	} {
		ids := ruleIDs(p)
		if len(ids) != len(slices.Compact(slices.Clone(ids))) {
			t.Errorf("%v: duplicate rule IDs %v", p.Track(), ids)
		}
		for _, r := range p.Rules() {
			for _, tag := range strings.Fields(r.Source) {
				if _, ok := hotpatch.Sources[tag]; !ok {
					t.Errorf("%v rule %q cites %s, which hotpatch.Sources does not list", p.Track(), r.ID, tag)
				}
			}
			if r.Title == "" || r.Remedy == "" || r.Check == nil || r.Fact == nil || r.URL == "" {
				t.Errorf("%v rule %q lacks a title, remedy, check, fact or URL", p.Track(), r.ID)
			}
		}
	}
}

func TestForBeforeProgram(t *testing.T) {
	_, err := For(hotpatch.TrackWindows11, hotpatch.Date{Year: 2024, Month: 6, Day: 1})
	if !errors.Is(err, ErrNoProgram) {
		t.Errorf("For before the preview: %v, want ErrNoProgram", err)
	}
	if _, err := For(hotpatch.TrackUnknown, may2026); err == nil {
		t.Error("For(TrackUnknown) succeeded")
	}
}

func TestWithRules(t *testing.T) {
	p := mustFor(t, hotpatch.TrackWindows11, may2026)
	tpm := Rule{
		ID: "org-tpm", Title: "our rule: firmware is UEFI", Source: "org", Remedy: "reflash",
		Check: func(d hotpatch.Device) Finding {
			if d.Firmware == hotpatch.FirmwareUEFI {
				return PassBecause("UEFI")
			}
			return FailBecause("not UEFI")
		},
	}
	q, err := p.WithRules(tpm)
	if err != nil {
		t.Fatal(err)
	}
	if got := ruleIDs(q); got[len(got)-1] != "org-tpm" || len(got) != len(ruleIDs(p))+1 {
		t.Errorf("WithRules added: %v", got)
	}
	d := goodClient
	d.Firmware = hotpatch.FirmwareBIOS
	if v := q.Evaluate(d); v.Status != NotEligible {
		t.Errorf("custom rule not applied: %v", v)
	}
	if v := p.Evaluate(d); v.Status != Eligible {
		t.Errorf("WithRules changed the original policy: %v", v)
	}

	// Replace the license rule: this organisation counts E1 as entitling.
	lic := Rule{ID: "license", Title: "our licensing", Source: "org", Remedy: "buy",
		Check: func(d hotpatch.Device) Finding { return PassBecause("all licensed") }}
	q, err = p.WithRules(lic)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ruleIDs(q), ruleIDs(p)) {
		t.Errorf("replacing changed the rule order: %v", ruleIDs(q))
	}
	d = goodClient
	d.License = hotpatch.LicenseOther
	if v := q.Evaluate(d); v.Status != Eligible {
		t.Errorf("replaced rule not applied: %v", v)
	}

	if q := p.WithoutRules("baseline", "policy"); slices.Contains(ruleIDs(q), "baseline") || len(ruleIDs(q)) != len(ruleIDs(p))-2 {
		t.Errorf("WithoutRules: %v", ruleIDs(q))
	}

	var many []Rule
	for i := range MaxRules {
		r := tpm
		r.ID = strings.Repeat("x", i+1)
		many = append(many, r)
	}
	if _, err := p.WithRules(many...); !errors.Is(err, ErrTooManyRules) {
		t.Errorf("WithRules(%d more): %v, want ErrTooManyRules", len(many), err)
	}
	if _, err := p.WithRules(Rule{ID: "x"}); err == nil {
		t.Error("WithRules accepted a rule without Check")
	}
}

// TestStance checks that disputed findings follow the policy's stance and
// stay marked.
func TestStance(t *testing.T) {
	d := goodClient
	d.Edition = hotpatch.EditionPro
	for _, tt := range []struct {
		stance Stance
		status Status
		edit   Outcome
	}{
		{AsUnknown, Undecided, Unknown},
		{Strict, NotEligible, Fail},
		{Lenient, Eligible, Pass},
	} {
		p, err := NewPolicy(hotpatch.TrackWindows11, may2026, Options{Disputed: tt.stance})
		if err != nil {
			t.Fatal(err)
		}
		v := p.Evaluate(d)
		got, _ := v.Outcome("edition")
		if v.Status != tt.status || got != tt.edit {
			t.Errorf("stance %v: %v, edition %v; want %v, %v", tt.stance, v.Status, got, tt.status, tt.edit)
		}
		if res := v.Results()[1]; res.Rule != "edition" || res.Disputed == "" {
			t.Errorf("stance %v: disputed mark lost: %+v", tt.stance, res)
		}
	}
}

func TestEvaluateAllocs(t *testing.T) {
	p := mustFor(t, hotpatch.TrackWindows11, may2026)
	ps, err := ForAll(may2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	devs := []hotpatch.Device{goodClient, goodServer2025, goodServer2022, {}}
	for _, e := range []Evaluator{p, ps} {
		n := testing.AllocsPerRun(100, func() {
			for _, d := range devs {
				_ = e.Evaluate(d)
			}
		})
		if n != 0 {
			t.Errorf("%T.Evaluate: %v allocations, want 0", e, n)
		}
	}
}

func TestTrackOf(t *testing.T) {
	tests := []struct {
		d    hotpatch.Device
		want hotpatch.Track
	}{
		{goodClient, hotpatch.TrackWindows11},
		{goodServer2025, hotpatch.TrackServer2025},
		{goodServer2022, hotpatch.TrackServer2022},
		{hotpatch.Device{Build: hotpatch.MustParseBuild("26100.1")}, hotpatch.TrackUnknown},
		{hotpatch.Device{Build: hotpatch.MustParseBuild("26200.1")}, hotpatch.TrackWindows11},
		{hotpatch.Device{Edition: hotpatch.EditionPro, Build: hotpatch.MustParseBuild("19045.1")}, hotpatch.TrackUnknown},
		{hotpatch.Device{Edition: hotpatch.EditionServerStandard, Build: hotpatch.MustParseBuild("17763.1")}, hotpatch.TrackUnknown},
	}
	for _, tt := range tests {
		if got := TrackOf(&tt.d); got != tt.want {
			t.Errorf("TrackOf(%v %v) = %v, want %v", tt.d.Edition, tt.d.Build.Short(), got, tt.want)
		}
	}
}

func TestPoliciesDispatch(t *testing.T) {
	ps, err := ForAll(may2026, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []hotpatch.Device{goodClient, goodServer2025, goodServer2022} {
		v := ps.Evaluate(d)
		if v.Status != Eligible || v.Policy().Track() != TrackOf(&d) {
			t.Errorf("%s: %v under %v", d.ID, v, v.Policy().Track())
		}
	}
	// Windows 10 falls to the Windows 11 policy, whose os rule fails it.
	w10 := goodClient
	w10.Build = hotpatch.MustParseBuild("19045.5011")
	if v := ps.Evaluate(w10); v.Status != NotEligible || v.Policy().Track() != hotpatch.TrackWindows11 {
		t.Errorf("Windows 10: %v", v)
	}
	var zero Policies
	if v := zero.Evaluate(goodClient); v.Status != Undecided || v.Len() != 0 {
		t.Errorf("zero Policies: %v", v)
	}
}

func TestVerdictRendering(t *testing.T) {
	p := mustFor(t, hotpatch.TrackWindows11, may2026)
	d := goodClient
	d.VBS = hotpatch.VBSOff
	v := p.Evaluate(d)
	if got, want := v.String(), "pc: not-eligible (vbs fail)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	var vbsRes Result
	for _, r := range v.Results() {
		if r.Rule == "vbs" {
			vbsRes = r
		}
	}
	if !strings.Contains(vbsRes.Reason, "Not enabled") || vbsRes.Remedy == "" || vbsRes.URL == "" {
		t.Errorf("vbs result does not name the device's value or lacks a remedy: %+v", vbsRes)
	}
	if got := v.Blocking(); !slices.Equal(got, []string{"vbs"}) {
		t.Errorf("Blocking = %v", got)
	}
}

func TestCatalogOption(t *testing.T) {
	// A catalog with a newer baseline moves the train.
	extra := `[{"kb": "KB9999999", "tracks": ["windows11"], "builds": ["26100.8600"], "released": "2026-05-19", "kind": "baseline", "restart": true, "source": "S3"}]`
	c, err := hotpatch.Embedded().Merge(strings.NewReader(extra))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPolicy(hotpatch.TrackWindows11, may2026, Options{Catalog: c})
	if err != nil {
		t.Fatal(err)
	}
	v := p.Evaluate(goodClient)
	if got, _ := v.Outcome("baseline"); got != Fail {
		t.Errorf("baseline with a newer catalog baseline: %v, want fail", got)
	}
	q := mustFor(t, hotpatch.TrackWindows11, may2026).WithOptions(Options{Catalog: c})
	v = q.Evaluate(goodClient)
	if got, _ := v.Outcome("baseline"); got != Fail {
		t.Errorf("WithOptions(Catalog): %v, want fail", got)
	}
}

// TestRuleHistory checks the rule tables as data: the versions of one rule
// follow each other without gap or overlap, so exactly one is in force on
// any day after the first.
func TestRuleHistory(t *testing.T) {
	for _, track := range []hotpatch.Track{hotpatch.TrackWindows11, hotpatch.TrackServer2025, hotpatch.TrackServer2022} {
		byID := map[string][]Rule{}
		for _, r := range Rules(track) {
			byID[r.ID] = append(byID[r.ID], r)
		}
		for id, vs := range byID {
			for i := 1; i < len(vs); i++ {
				if vs[i-1].Until.IsZero() || vs[i-1].Until != vs[i].From {
					t.Errorf("%v rule %q: version %d ends %v, version %d starts %v", track, id, i-1, vs[i-1].Until, i, vs[i].From)
				}
			}
			if !vs[len(vs)-1].Until.IsZero() {
				t.Errorf("%v rule %q ends on %v with no successor", track, id, vs[len(vs)-1].Until)
			}
		}
	}
	if Rules(hotpatch.TrackUnknown) != nil {
		t.Error("Rules(TrackUnknown) is not nil")
	}
}
