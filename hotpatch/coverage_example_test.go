package hotpatch_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

func ExampleCatalog_SecurityUpdate() {
	c := hotpatch.Embedded()
	// January 2026 was a baseline month: on both paths its update is the
	// baseline, never December's cumulative update.
	for _, hot := range []bool{false, true} {
		u, err := c.SecurityUpdate(hotpatch.TrackWindows11, 2026, time.January, hot)
		fmt.Println(u, err)
	}
	// A month past the catalog is an error, not an older month's update.
	_, err := c.SecurityUpdate(hotpatch.TrackWindows11, 2026, time.December, false)
	var ce *hotpatch.CoverageError
	fmt.Println(errors.As(err, &ce), errors.Is(err, hotpatch.ErrNotFound), ce.Through)
	// Output:
	// KB5074109 baseline 26100.7623 2026-01-13 <nil>
	// KB5074109 baseline 26100.7623 2026-01-13 <nil>
	// true true 2026-09
}

func ExampleCatalog_Stale() {
	c := hotpatch.Embedded()
	fmt.Println(c.Through(hotpatch.TrackWindows11), c.Through(hotpatch.TrackServer2022))
	fmt.Println(c.Stale(hotpatch.Date{Year: 2026, Month: time.December, Day: 7}))
	// Output:
	// 2026-09 2026-06
	// catalog covers releases through 2026-09 (Windows Server 2022 Datacenter: Azure Edition through 2026-06); later months up to 2026-12 are projected
}
