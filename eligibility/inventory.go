package eligibility

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"slices"
	"strings"

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

// Errors a ReadError wraps, besides I/O errors, io.ErrUnexpectedEOF (the
// input ends inside a value) and the context's error.
var (
	// ErrEmpty reports an inventory file with no header (CSV) or no value
	// (JSON): an empty file is more likely a failed export than an empty
	// fleet. An empty JSON array is an empty fleet, not an error.
	ErrEmpty = errors.New("empty inventory")
	// ErrHeader reports a CSV header that cannot be used: no id or name
	// column, two columns for one field, too long or too wide.
	ErrHeader = errors.New("unusable header")
	// ErrUnclosedQuote reports a CSV quote that is never closed: the rest
	// of the file would be one field.
	ErrUnclosedQuote = errors.New("quote never closed")
	// ErrLineTooLong reports a CSV line longer than MaxLineBytes.
	ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)
	// ErrValueTooLong reports a JSON inventory element (or a top-level
	// object, less a Graph response's "value") longer than MaxValueBytes.
	ErrValueTooLong = fmt.Errorf("value longer than %d bytes", MaxValueBytes)
)

// Limits on CSV lines and JSON values, so that a file that is not an inventory (or a
// crafted one) cannot make the reader hold millions of column names or
// cells: a real inventory's header takes a few kilobytes, a row less.
const (
	MaxHeaderBytes   = 64 << 10  // bytes in the header record
	MaxHeaderColumns = 10_000    // columns in the header
	MaxLineBytes     = 256 << 10 // bytes in a line after the header
	// MaxValueBytes bounds a JSON device object, and a JSON value in
	// general, for the same reason: a Graph device takes a few kilobytes.
	MaxValueBytes = 1 << 20
)

// A RowError reports an inventory row that was rejected. The rest of the
// inventory is still read. A row with several bad cells reports them all:
// the first in Column and Err, the others in More, in schema order.
// Its JSON form (MarshalJSON) gives each error as its message; the tags
// say the names.
type RowError struct {
	Line   int         `json:"line"`             // line on which the row starts, from 1
	Column string      `json:"column,omitempty"` // the column or field at fault, "" for the whole row
	Err    error       `json:"error"`            // what is wrong with it
	More   []CellError `json:"more,omitempty"`   // the row's other bad cells, if any
}

// A CellError reports one bad cell of a row.
type CellError struct {
	Column string `json:"column"`
	Err    error  `json:"error"`
}

// Error returns "column edition: …".
func (e CellError) Error() string { return fmt.Sprintf("column %s: %v", e.Column, e.Err) }

// Unwrap returns the underlying error.
func (e CellError) Unwrap() error { return e.Err }

// Error returns "line 12: column edition: …", followed by
// "; column vbs: …" for each further bad cell.
func (e *RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d: ", e.Line)
	if e.Column != "" {
		fmt.Fprintf(&b, "column %s: ", e.Column)
	}
	fmt.Fprint(&b, e.Err)
	for _, c := range e.More {
		fmt.Fprintf(&b, "; %v", c)
	}
	return b.String()
}

// Unwrap returns the errors of all the row's bad cells, so that errors.Is
// finds any of them.
func (e *RowError) Unwrap() []error {
	errs := []error{e.Err}
	for _, c := range e.More {
		errs = append(errs, c.Err)
	}
	return errs
}

// A ReadError reports what ended the reading of an inventory early, and
// where: an I/O error, a syntax error after which the file cannot be read
// on, input that ends inside a value (io.ErrUnexpectedEOF), an unusable
// header (ErrHeader), an empty file (ErrEmpty) or a cancelled context. The
// devices yielded before it are good.
type ReadError struct {
	Format string `json:"format"` // "CSV" or "JSON"
	Line   int    `json:"line"`   // line of the damage, from 1; 0 if unknown
	Offset int64  `json:"offset"` // byte offset of the damage, from 0 (a syntax error's as encoding/json gives it); -1 if unknown
	Err    error  `json:"error"`
}

// Error returns "eligibility: JSON inventory: line 3 (byte 45): …".
func (e *ReadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "eligibility: %s inventory: ", e.Format)
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Offset >= 0 {
			fmt.Fprintf(&b, " (byte %d)", e.Offset)
		}
		b.WriteString(": ")
	}
	fmt.Fprint(&b, e.Err)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ReadError) Unwrap() error { return e.Err }

// MarshalJSON encodes a ReadError as {"format":…, "line":…, "offset":…,
// "error":…}, the error as its message.
func (e *ReadError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Format string `json:"format"`
		Line   int    `json:"line"`
		Offset int64  `json:"offset"`
		Error  string `json:"error"`
	}{e.Format, e.Line, e.Offset, e.Err.Error()})
}

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
//	vbs                       VBS state, VBS status, Virtualization-based security,
//	                          VirtualizationBasedSecurityStatus (0, 1, 2 or names)
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
// A row with several bad cells reports them all (RowError.More), in schema
// order, so the report does not depend on the order of the columns; a row
// whose OS is not Windows reports only that. Every data row is either
// yielded as a device or rejected: Rows() == devices yielded + Rejected(). A UTF-8 byte order mark,
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
// them.
//
// # Errors that end reading
//
// An error that leaves the rest of a file unreadable ends the stream and Err
// reports it as a *ReadError with its line and, for JSON, byte offset:
//
//   - An empty file is ErrEmpty; a JSON file cut short (in a value, or
//     before an array's closing bracket) is io.ErrUnexpectedEOF, never
//     io.EOF.
//   - A CSV header without an id or name column, with two columns for one
//     field, longer than MaxHeaderBytes or wider than MaxHeaderColumns is
//     ErrHeader; the message lists the accepted column names.
//   - A CSV quote never closed is ErrUnclosedQuote, on the line of the
//     record in which it opened; a line after the header longer than MaxLineBytes is
//     ErrLineTooLong; a JSON element longer than MaxValueBytes is
//     ErrValueTooLong.
//   - A JSON syntax error is a *json.SyntaxError.
//
// The devices yielded before the error, and the rows rejected, stand: a
// half-written file yields its good devices and a located error. CSV files
// with CR-only line ends (classic Mac OS exports) are read as if the ends
// were newlines.
type Inventory struct {
	// OnReject, if not nil, is called with every rejected row as it is
	// read.
	OnReject func(*RowError)

	read     func(inv *Inventory, yield func(hotpatch.Device) bool)
	ctx      context.Context // the context of the current read; checked between rows
	src      io.Reader
	used     bool
	csv      bool
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

// MarshalJSON encodes a RowError as {"line":…, "column":…, "error":…,
// "more":[{"column":…, "error":…}, …]}.
func (e *RowError) MarshalJSON() ([]byte, error) {
	j := rowErrorJSON{Line: e.Line, Column: e.Column, Error: e.Err.Error()}
	for _, c := range e.More {
		j.More = append(j.More, cellErrorJSON{c.Column, c.Err.Error()})
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON encodes; the errors become opaque
// errors with the same messages.
func (e *RowError) UnmarshalJSON(data []byte) error {
	var j rowErrorJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*e = RowError{Line: j.Line, Column: j.Column, Err: errors.New(j.Error)}
	for _, c := range j.More {
		e.More = append(e.More, CellError{c.Column, errors.New(c.Error)})
	}
	return nil
}

// MarshalJSON encodes a CellError as {"column":…, "error":…}.
func (e CellError) MarshalJSON() ([]byte, error) {
	return json.Marshal(cellErrorJSON{e.Column, e.Err.Error()})
}

type rowErrorJSON struct {
	Line   int             `json:"line"`
	Column string          `json:"column,omitempty"`
	Error  string          `json:"error"`
	More   []cellErrorJSON `json:"more,omitempty"`
}

type cellErrorJSON struct {
	Column string `json:"column"`
	Error  string `json:"error"`
}

// ReadCSV returns an Inventory that reads CSV from r. The first record is
// the header. Nothing is read until Devices or DevicesContext is ranged
// over; the context, if any, enters there.
func ReadCSV(r io.Reader) *Inventory {
	return &Inventory{read: (*Inventory).readCSV, csv: true, src: r, seed: maphash.MakeSeed()}
}

// ReadJSON returns an Inventory that reads JSON from r. Nothing is read
// until Devices or DevicesContext is ranged over.
func ReadJSON(r io.Reader) *Inventory {
	return &Inventory{read: (*Inventory).readJSON, src: r, seed: maphash.MakeSeed()}
}

// Devices returns the devices of the good rows, in file order. It can be
// ranged over once; rejected rows are counted and reported as they pass.
func (inv *Inventory) Devices() iter.Seq[hotpatch.Device] {
	return inv.DevicesContext(context.Background())
}

// DevicesContext is like Devices, but stops reading when ctx is done; Err
// then reports ctx's error in a *ReadError. The context is checked between
// rows, so a long run of rejected rows stops too. Past a CSV header, it
// returns even while a Read of the underlying reader blocks (the goroutine
// reading ends when the Read returns); in a JSON file or a CSV header, a
// Read that blocks holds it: close the reader to end it, as with any
// io.Reader.
func (inv *Inventory) DevicesContext(ctx context.Context) iter.Seq[hotpatch.Device] {
	return func(yield func(hotpatch.Device) bool) {
		if inv.used {
			inv.err = cmp.Or(inv.err, errors.New("eligibility: inventory read twice"))
			return
		}
		inv.used = true
		if err := ctx.Err(); err != nil {
			inv.err = &ReadError{Format: inv.format(), Offset: -1, Err: err}
			return
		}
		inv.ctx = ctx
		inv.read(inv, yield)
		inv.ctx = nil
	}
}

// format names the inventory's format for errors.
func (inv *Inventory) format() string {
	if inv.csv {
		return "CSV"
	}
	return "JSON"
}

// Rows returns the number of data rows read so far.
func (inv *Inventory) Rows() int { return inv.rows }

// Rejected returns the number of rows rejected so far.
func (inv *Inventory) Rejected() int { return inv.rejected }

// Problems returns the first MaxProblems rejected rows.
func (inv *Inventory) Problems() []*RowError { return inv.problems }

// maxIgnored is the number of columns or keys outside the schema that
// Ignored lists.
const maxIgnored = 100

// Ignored returns the first 100 columns or keys outside the schema, in
// first-seen order.
func (inv *Inventory) Ignored() []string { return inv.ignored }

// Err returns the error that ended reading early, if any, as a *ReadError
// (see the type's documentation); nil after a complete read.
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

// rejectCells rejects a row for its bad cells, if any, and reports whether
// it did.
func (inv *Inventory) rejectCells(line int, bad []CellError) bool {
	if len(bad) == 0 {
		return false
	}
	inv.reject(&RowError{Line: line, Column: bad[0].Column, Err: bad[0].Err, More: slices.Clone(bad[1:])})
	return true
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

// columnNames are the spellings of each field's column or key that the
// documentation and the header errors list, the field's own name first.
// Matching is by fieldAliases, which a test checks against this table.
var columnNames = [numFields][]string{
	fieldID:           {"id", "Device ID", "DeviceId", "Intune device ID", "managedDeviceId"},
	fieldName:         {"name", "Device name", "deviceName", "Computer name", "Hostname"},
	fieldOS:           {"os", "OS", "operatingSystem"},
	fieldBuild:        {"build", "OS version", "osVersion", "OS build"},
	fieldEdition:      {"edition", "EditionID", "SkuFamily", "OS edition"},
	fieldArch:         {"arch", "Architecture", "Processor architecture", "processorArchitecture"},
	fieldFirmware:     {"firmware", "Firmware type", "BIOS mode"},
	fieldSecureBoot:   {"secureBoot", "Secure Boot", "SecureBootEnabled", "Secure Boot state"},
	fieldVBS:          {"vbs", "VBS state", "VBS status", "Virtualization-based security", "VirtualizationBasedSecurityStatus"},
	fieldVirtExt:      {"virtualizationExtensions"},
	fieldSLAT:         {"slat"},
	fieldCHPE:         {"chpeDisabled", "HotPatchRestrictions"},
	fieldManagement:   {"management", "Managed by", "managementAgent"},
	fieldLicense:      {"license", "Licence"},
	fieldPolicy:       {"hotpatchPolicy", "hotpatchEnabled", "isHotpatchEnabled"},
	fieldLastBaseline: {"lastBaseline"},
}

// acceptedColumns lists the accepted column names for a header error:
// "id (Device ID, DeviceId, …), name (…), …".
func acceptedColumns() string {
	var b strings.Builder
	b.WriteString("accepted columns, ignoring case, spaces and punctuation: ")
	for f := fieldID; f < numFields; f++ {
		if f > fieldID {
			b.WriteString(", ")
		}
		names := columnNames[f]
		b.WriteString(names[0])
		if len(names) > 1 {
			fmt.Fprintf(&b, " (%s)", strings.Join(names[1:], ", "))
		}
	}
	return b.String()
}

// headerSample quotes the first few names of a header for an error, each
// cut short: the file may not be an inventory at all.
func headerSample(names []string) string {
	const n, width = 3, 32
	var b strings.Builder
	for i, s := range names[:min(len(names), n)] {
		if i > 0 {
			b.WriteString(", ")
		}
		if len(s) > width {
			s = s[:width] + "…"
		}
		fmt.Fprintf(&b, "%q", s)
	}
	if len(names) > n {
		fmt.Fprintf(&b, " and %d more", len(names)-n)
	}
	return b.String()
}
