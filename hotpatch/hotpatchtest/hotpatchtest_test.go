package hotpatchtest_test

import (
	"encoding/json"
	"testing"

	"github.com/patchmodel/patchmodel/hotpatch"
	"github.com/patchmodel/patchmodel/hotpatch/hotpatchtest"
	"pgregory.net/rapid"
)

func TestDeviceJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := hotpatchtest.Device().Draw(t, "d")
		data, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back hotpatch.Device
		if err := json.Unmarshal(data, &back); err != nil || back != d {
			t.Fatalf("round trip via %s = %+v, %v", data, back, err)
		}
	})
}

func TestEligibleDeviceIsInCatalog(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := hotpatchtest.EligibleDevice().Draw(t, "d")
		u, err := hotpatch.Embedded().ByBuild(d.Build)
		if err != nil || !u.On(hotpatch.TrackWindows11) {
			t.Fatalf("build %v: %v, %v", d.Build, u, err)
		}
	})
}
