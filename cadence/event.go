package cadence

import (
	"iter"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// An EventKind is a step in a device's handling of a release.
type EventKind uint8

const (
	EventOffered   EventKind = iota // the ring offered the release
	EventInstalled                  // the device installed it
	EventRestarted                  // the device restarted for it
)

var eventNames = []string{"offered", "installed", "restarted"}

// String returns "offered", "installed" or "restarted".
func (k EventKind) String() string { return enumName(eventNames, "EventKind", int(k)) }

// MarshalText returns the String form.
func (k EventKind) MarshalText() ([]byte, error) { return enumMarshal(eventNames, "EventKind", int(k)) }

// UnmarshalText accepts the String form.
func (k *EventKind) UnmarshalText(b []byte) error {
	return enumUnmarshal(eventNames, "EventKind", b, (*uint8)(k))
}

// An Event is one dated step of a timeline.
type Event struct {
	Day     hotpatch.Date `json:"day"`     // when it happened
	Kind    EventKind     `json:"kind"`    // what happened
	Release int           `json:"release"` // index into Timeline.Releases and Timeline.Outcomes
}

// Events returns the timeline's offers, installs and restarts in order of
// day; on one day, offers come before installs and installs before
// restarts, each in release order. It allocates nothing.
func (t Timeline) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		// Each kind's days rise with the release index, so the events are
		// a three-way merge of the outcomes.
		var next [3]int
		for {
			best, bestDay := -1, hotpatch.Date{}
			for k := range next {
				i := t.nextOf(EventKind(k), next[k])
				next[k] = i
				if i == len(t.Outcomes) {
					continue
				}
				if d := t.Outcomes[i].day(EventKind(k)); best < 0 || d.Before(bestDay) {
					best, bestDay = k, d
				}
			}
			if best < 0 {
				return
			}
			if !yield(Event{Day: bestDay, Kind: EventKind(best), Release: next[best]}) {
				return
			}
			next[best]++
		}
	}
}

// nextOf returns the first index from i whose outcome has an event of kind
// k, or len(t.Outcomes).
func (t Timeline) nextOf(k EventKind, i int) int {
	for i < len(t.Outcomes) && t.Outcomes[i].day(k).IsZero() {
		i++
	}
	return i
}

func (o *Outcome) day(k EventKind) hotpatch.Date {
	switch k {
	case EventOffered:
		return o.Offered
	case EventInstalled:
		return o.Installed
	}
	return o.Restarted
}
