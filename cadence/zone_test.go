package cadence

import (
	"testing"
	"time"
	_ "time/tzdata" // the reference: Go's full zone database, in the test binary only
)

// The embedded zone, used where the system has no zoneinfo, gives the same
// offsets as the system's (or Go's) America/Los_Angeles every 6 hours from
// 1970 to 2037, so Patch Tuesday's hour does not depend on the machine.
func TestEmbeddedZone(t *testing.T) {
	ref, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	emb, err := time.LoadLocationFromTZData("America/Los_Angeles", losAngelesTZif)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
	for at := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); at.Before(end); at = at.Add(6 * time.Hour) {
		rn, ro := at.In(ref).Zone()
		en, eo := at.In(emb).Zone()
		if rn != en || ro != eo {
			t.Fatalf("%v: embedded zone %s %+d, reference %s %+d", at, en, eo, rn, ro)
		}
	}
	if got := Pacific().String(); got != "America/Los_Angeles" {
		t.Errorf("Pacific() = %q", got)
	}
}
