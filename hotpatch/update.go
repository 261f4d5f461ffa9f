package hotpatch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A KB is a Microsoft Knowledge Base article number, which names an update:
// KB5050009. The zero KB means unknown.
type KB uint32

// ParseKB parses "KB5050009", "kb5050009" or "5050009".
func ParseKB(s string) (KB, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 2 && strings.EqualFold(t[:2], "kb") {
		t = t[2:]
	}
	n, err := parseUint32(t)
	if err != nil {
		return 0, parseErr("KB", s, err)
	}
	return KB(n), nil
}

// String returns "KB5050009", or "" for the zero KB.
func (k KB) String() string {
	if k == 0 {
		return ""
	}
	return "KB" + strconv.FormatUint(uint64(k), 10)
}

// MarshalText returns "KB5050009".
func (k KB) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText accepts what ParseKB accepts; "" decodes to the zero KB.
func (k *KB) UnmarshalText(text []byte) error {
	if strings.TrimSpace(string(text)) == "" {
		*k = 0
		return nil
	}
	v, err := ParseKB(string(text))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// An Update is one release of a hotpatch track: a baseline, a hotpatch, the
// standard cumulative update (LCU) of a hotpatch month, an out-of-band or a
// preview release.
type Update struct {
	KB       KB      `json:"kb"`
	Tracks   []Track `json:"tracks"`   // tracks that received this update
	Builds   []Build `json:"builds"`   // builds it brings; 24H2 and 25H2 share revisions
	Released Date    `json:"released"` // release day (Pacific time)
	Kind     Kind    `json:"kind"`
	Restart  bool    `json:"restart"` // installing it requires a restart

	// Baseline is the baseline a hotpatch builds on: a device must run it
	// (or a hotpatch on it) to take this update without restarting. Zero for
	// updates that are not hotpatches.
	Baseline KB `json:"baseline,omitempty"`

	// Source names where the row comes from, as source tags (see Sources).
	Source string `json:"source"`

	// Unconfirmed, when not empty, says what about the row rests on a single
	// weak source or an inference. Such a row is never presented as fact.
	Unconfirmed string `json:"unconfirmed,omitempty"`

	// Provenance lists the machine-readable documents a refresh read the
	// row from (see Catalog.Merge), each with its revision. Rows written
	// by hand have none: their Source tags say where they come from.
	Provenance []Provenance `json:"provenance,omitempty"`
}

// A Provenance names one document a catalog row was read from.
type Provenance struct {
	Document string `json:"document"`           // "MSRC CVRF 2025-Dec"
	Revision string `json:"revision,omitempty"` // the document's revision date, "2026-01-03T01:41:03Z"
	// Note says what the refresh inferred rather than read, such as a
	// baseline derived from a month with no hotpatch.
	Note string `json:"note,omitempty"`
}

// Build returns the update's first build, the one for the track's first
// release (26100 for Windows 11 24H2 and 25H2).
func (u Update) Build() Build {
	if len(u.Builds) == 0 {
		return Build{}
	}
	return u.Builds[0]
}

// Month returns the year and month whose security fixes the update carries:
// the month it was released in.
func (u Update) Month() (int, time.Month) { return u.Released.Year, u.Released.Month }

// On reports whether t received the update.
func (u Update) On(t Track) bool {
	for _, x := range u.Tracks {
		if x == t {
			return true
		}
	}
	return false
}

// Brings reports whether installing u leaves a device at build b.
func (u Update) Brings(b Build) bool {
	for _, x := range u.Builds {
		if x == b {
			return true
		}
	}
	return false
}

// String returns a one-line summary, "KB5050009 baseline 26100.2894 2025-01-14".
func (u Update) String() string {
	return fmt.Sprintf("%v %v %s %v", u.KB, u.Kind.token(), u.Build().Short(), u.Released)
}

func (k Kind) token() string { return kindEnum.token(int(k)) }
