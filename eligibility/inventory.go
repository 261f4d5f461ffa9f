package eligibility

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// Errors a RowError wraps, besides the hotpatch parse errors.
var (
	// ErrFieldCount reports a CSV row with more or fewer fields than the
	// header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrDuplicate reports a device ID seen on an earlier row.
	ErrDuplicate = errors.New("duplicate device ID")
	// ErrMissingID reports a row with neither an ID nor a name.
	ErrMissingID = errors.New("no device ID or name")
	// ErrNotWindows reports a row about a device that does not run
	// Windows, by its OS column (Intune exports list every platform).
	ErrNotWindows = errors.New("not a Windows device")
	// ErrImpossibleBuild reports a build no Windows release has: not
	// 10.0.x, or a build number below 10240 (Windows 10 RTM).
	ErrImpossibleBuild = errors.New("impossible build")
	// ErrNotObject reports a JSON inventory element that is not an object.
	ErrNotObject = errors.New("not a JSON object")
	// ErrNotScalar reports a JSON field whose value is an object or an
	// array, where a string, number, boolean or null belongs.
	ErrNotScalar = errors.New("value is a JSON object or array, not a string, number, boolean or null")
)

// A RowError reports an inventory row that was rejected. The rest of the
// inventory is still read.
type RowError struct {
	Line   int    // line on which the row starts, from 1
	Column string // the column or field at fault, "" for the whole row
	Err    error
}

// Error returns "line 12: column edition: …".
func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: column %s: %v", e.Line, e.Column, e.Err)
}

// Unwrap returns the underlying error.
func (e *RowError) Unwrap() error { return e.Err }

// MaxProblems is the number of rejected rows an Inventory keeps for
// Problems; later ones are still counted by Rejected and passed to OnReject.
const MaxProblems = 100

// An Inventory reads devices from an inventory file, one device per row of a
// CSV file or per object of a JSON file, as a stream.
//
// # Schema
//
// The columns (CSV header names) and JSON keys are the JSON names of
// hotpatch.Device's fields. Names are matched ignoring case, spaces and
// punctuation, and each has aliases, among them the names Intune and
// Microsoft Graph use:
//
//	id                        Device ID, DeviceId, Intune device ID, managedDeviceId
//	name                      Device name, deviceName, Computer name, Hostname
//	os                        OS, operatingSystem: Windows or empty, else the row is rejected
//	build                     OS version, osVersion, OS build (10.0.26100.2894 or 26100.2894)
//	edition                   EditionID, SkuFamily, OS edition
//	arch                      Architecture, Processor architecture, processorArchitecture
//	firmware                  Firmware type, BIOS mode (UEFI, BIOS)
//	secureBoot                Secure Boot, SecureBootEnabled, Secure Boot state
//	vbs                       VBS state, VirtualizationBasedSecurityStatus (0, 1, 2 or names)
//	virtualizationExtensions, slat
//	chpeDisabled              HotPatchRestrictions (1 = CHPE disabled)
//	management                Managed by, managementAgent
//	license                   Licence
//	hotpatchPolicy            hotpatchEnabled, isHotpatchEnabled (Graph [S19])
//	lastBaseline
//
// Only "Device name" (the Hotpatch quality updates report) and the Graph
// property hotpatchEnabled/isHotpatchEnabled are pinned by sources (the
// Hotpatch quality updates report [S18], Graph [S19]); the other aliases are common export spellings, accepted for
// convenience. Values are parsed by the hotpatch package's lenient parsers;
// an empty cell is an unknown fact. Columns outside the schema are ignored
// and listed by Ignored.
//
// # Bad rows
//
// A row is rejected, with its line number and reason (a *RowError), when a
// value does not parse (an unknown edition, an impossible build), when its
// OS is not Windows (ErrNotWindows), when a CSV row has more or fewer
// fields than the header, when it has neither an ID nor a name (the name
// stands in for a missing ID), or when its ID was seen on an earlier row.
// Cells are checked in schema order, so the reason does not depend on the
// order of the columns. Every data row is either yielded as a device or
// rejected: Rows() == devices yielded + Rejected(). A UTF-8 byte order mark,
// CRLF line ends and quoted fields are accepted.
//
// Duplicate IDs are detected by a 63-bit hash of each ID, so memory grows by
// 32 to 64 bytes per device; two different IDs with the same hash (a chance
// of about 5 in 10^8 for a million devices) would be reported as duplicates.
//
// A JSON inventory is an array of objects, a sequence of objects (one per
// line, as in NDJSON), or a Microsoft Graph list response whose "value" is
// the array (as GET /deviceManagement/managedDevices returns). Both formats
// are streamed: memory holds a batch of CSV records or one JSON object, not
// the file. For CSV, one goroutine splits records while the caller's parses
// them. A syntax error that leaves the
// rest of a file unreadable ends the stream; Err reports it.
type Inventory struct {
	// OnReject, if not nil, is called with every rejected row as it is
	// read.
	OnReject func(*RowError)

	read     func(inv *Inventory, yield func(hotpatch.Device) bool)
	src      io.Reader
	used     bool
	rows     int
	rejected int
	problems []*RowError
	ignored  []string
	order    []int           // CSV columns in schema order
	row      hotpatch.Device // the row being parsed, kept here so it is not allocated per row
	err      error

	seed maphash.Seed
	seen idSet // hashes of the IDs seen, with their lines
}

// InputSummary describes an inventory after reading, for a Report.
type InputSummary struct {
	Rows     int         `json:"rows"`     // data rows read
	Devices  int         `json:"devices"`  // rows yielded as devices
	Rejected int         `json:"rejected"` // rows rejected
	Problems []*RowError `json:"problems,omitempty"`
	Ignored  []string    `json:"ignoredColumns,omitempty"`
	Err      string      `json:"error,omitempty"`
}

// MarshalJSON encodes a RowError as {"line":…, "column":…, "error":…}.
func (e *RowError) MarshalJSON() ([]byte, error) {
	return json.Marshal(rowErrorJSON{e.Line, e.Column, e.Err.Error()})
}

// UnmarshalJSON decodes what MarshalJSON encodes; the error becomes an
// opaque error with the same message.
func (e *RowError) UnmarshalJSON(data []byte) error {
	var j rowErrorJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*e = RowError{Line: j.Line, Column: j.Column, Err: errors.New(j.Error)}
	return nil
}

type rowErrorJSON struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Error  string `json:"error"`
}

// ReadCSV returns an Inventory that reads CSV from r. The first record is
// the header.
func ReadCSV(r io.Reader) *Inventory {
	return &Inventory{read: (*Inventory).readCSV, src: r, seed: maphash.MakeSeed()}
}

// ReadJSON returns an Inventory that reads JSON from r.
func ReadJSON(r io.Reader) *Inventory {
	return &Inventory{read: (*Inventory).readJSON, src: r, seed: maphash.MakeSeed()}
}

// Devices returns the devices of the good rows, in file order. It can be
// ranged over once; rejected rows are counted and reported as they pass.
func (inv *Inventory) Devices() iter.Seq[hotpatch.Device] {
	return func(yield func(hotpatch.Device) bool) {
		if inv.used {
			inv.err = cmp.Or(inv.err, errors.New("eligibility: inventory read twice"))
			return
		}
		inv.used = true
		inv.read(inv, yield)
	}
}

// Rows returns the number of data rows read so far.
func (inv *Inventory) Rows() int { return inv.rows }

// Rejected returns the number of rows rejected so far.
func (inv *Inventory) Rejected() int { return inv.rejected }

// Problems returns the first MaxProblems rejected rows.
func (inv *Inventory) Problems() []*RowError { return inv.problems }

// Ignored returns the columns or keys outside the schema, in first-seen
// order.
func (inv *Inventory) Ignored() []string { return inv.ignored }

// Err returns the error that ended reading early, if any: an I/O error, a
// header without an id or name column, or a syntax error after which the
// file cannot be read on.
func (inv *Inventory) Err() error { return inv.err }

// Summary describes what was read.
func (inv *Inventory) Summary() *InputSummary {
	s := &InputSummary{Rows: inv.rows, Devices: inv.rows - inv.rejected, Rejected: inv.rejected,
		Problems: inv.problems, Ignored: inv.ignored}
	if inv.err != nil {
		s.Err = inv.err.Error()
	}
	return s
}

func (inv *Inventory) reject(e *RowError) {
	inv.rejected++
	if len(inv.problems) < MaxProblems {
		inv.problems = append(inv.problems, e)
	}
	if inv.OnReject != nil {
		inv.OnReject(e)
	}
}

// finish checks a parsed row's identity and yields it or rejects it.
func (inv *Inventory) finish(line int, d *hotpatch.Device, yield func(hotpatch.Device) bool) bool {
	if d.ID == "" {
		d.ID = d.Name
	}
	if d.ID == "" {
		inv.reject(&RowError{Line: line, Err: ErrMissingID})
		return true
	}
	if first := inv.seen.add(maphash.String(inv.seed, d.ID), int32(line)); first != 0 {
		inv.reject(&RowError{Line: line, Column: "id",
			Err: fmt.Errorf("%w %q, first on line %d", ErrDuplicate, d.ID, first)})
		return true
	}
	return yield(*d)
}

func skipBOM(r *bufio.Reader) {
	if b, err := r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		r.Discard(3)
	}
}
