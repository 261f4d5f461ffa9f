package eligibilitytest_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/patchmodel/patchmodel/eligibility"
	"github.com/patchmodel/patchmodel/eligibility/eligibilitytest"
)

func TestFleetDeterministic(t *testing.T) {
	a := slices.Collect(eligibilitytest.Fleet(500, 9))
	b := slices.Collect(eligibilitytest.Fleet(500, 9))
	if !slices.Equal(a, b) || len(a) != 500 {
		t.Fatal("Fleet is not deterministic")
	}
	if c := slices.Collect(eligibilitytest.Fleet(500, 10)); slices.Equal(a, c) {
		t.Error("seeds 9 and 10 give the same fleet")
	}
}

// TestWriteCSVRoundTrip reads what WriteCSV writes and gets the same
// devices back, names aside.
func TestWriteCSVRoundTrip(t *testing.T) {
	want := slices.Collect(eligibilitytest.Fleet(2000, 1))
	var b bytes.Buffer
	if err := eligibilitytest.WriteCSV(&b, slices.Values(want)); err != nil {
		t.Fatal(err)
	}
	inv := eligibility.ReadCSV(&b)
	got := slices.Collect(inv.Devices())
	if inv.Err() != nil || inv.Rejected() != 0 || len(got) != len(want) {
		t.Fatalf("read %d of %d, rejected %v, err %v", len(got), len(want), inv.Problems(), inv.Err())
	}
	for i := range got {
		got[i].Name = ""
		if got[i] != want[i] {
			t.Fatalf("device %d: read %+v, wrote %+v", i, got[i], want[i])
		}
	}
}

func TestIDs(t *testing.T) {
	var first string
	for d := range eligibilitytest.Fleet(43, 1) {
		if first == "" {
			first = d.ID
		}
		if d.ID == "DEV-0000042" {
			return
		}
	}
	t.Errorf("no DEV-0000042; first ID %q", first)
}
