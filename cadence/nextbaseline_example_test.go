package cadence_test

import (
	"fmt"
	"time"

	"github.com/patchmodel/patchmodel/cadence"
	"github.com/patchmodel/patchmodel/hotpatch"
)

func ExampleCalendar_NextBaseline() {
	cal, err := cadence.NewCalendar(hotpatch.TrackServer2025, cadence.CalendarOptions{})
	if err != nil {
		panic(err)
	}
	for _, after := range []hotpatch.Date{
		{Year: 2026, Month: time.May, Day: 20},     // June 2026: an unplanned baseline, from the catalog
		{Year: 2026, Month: time.December, Day: 7}, // past the catalog: the plan's January baseline
	} {
		r, err := cal.NextBaseline(after)
		if err != nil {
			panic(err)
		}
		fmt.Printf("after %v: %v, unplanned %v\n", after, r, r.Unplanned())
		if r.Note != "" {
			fmt.Println("  ", r.Note)
		}
	}
	// Output:
	// after 2026-05-20: 2026-06-09 Baseline KB5094125 (catalog), unplanned true
	// after 2026-12-07: 2027-01-12 Baseline (rule), unplanned false
	//    projected from the plan: the catalog covers this track's releases through 2026-09
}
