package eligibility

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
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
// property hotpatchEnabled/isHotpatchEnabled are pinned by the domain notes
// (§5.2); the other aliases are common export spellings, accepted for
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
// Duplicate IDs are detected by a 64-bit hash of each ID, so memory grows by
// 16 to 32 bytes per device; two different IDs with the same hash (a chance
// of about 3 in 10^8 for a million devices) would be reported as duplicates.
//
// A JSON inventory is an array of objects, a sequence of objects (one per
// line, as in NDJSON), or a Microsoft Graph list response whose "value" is
// the array (as GET /deviceManagement/managedDevices returns). It is read
// into memory whole. A CSV inventory is streamed: one goroutine splits
// records while the caller's parses them. A syntax error that leaves the
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

// field is one column of the schema.
type field uint8

const (
	fieldNone field = iota
	fieldID
	fieldName
	fieldOS
	fieldBuild
	fieldEdition
	fieldArch
	fieldFirmware
	fieldSecureBoot
	fieldVBS
	fieldVirtExt
	fieldSLAT
	fieldCHPE
	fieldManagement
	fieldLicense
	fieldPolicy
	fieldLastBaseline
	numFields
)

// A fieldSpec says how to parse one field's text and where the value goes.
// ID and name are kept as text and have neither.
type fieldSpec struct {
	name  string
	parse func(text string) (parsed, error)
	set   func(d *hotpatch.Device, v parsed)
}

// fields is the inventory schema.
var fields = [numFields]fieldSpec{
	fieldID:   {name: "id"},
	fieldName: {name: "name"},
	fieldOS: {"os", parseOS,
		func(*hotpatch.Device, parsed) {}},
	fieldBuild: {"build", parseBuildField,
		func(d *hotpatch.Device, v parsed) { d.Build = v.b }},
	fieldEdition: {"edition", enumParser(hotpatch.ParseEdition),
		func(d *hotpatch.Device, v parsed) { d.Edition = hotpatch.Edition(v.u) }},
	fieldArch: {"arch", enumParser(hotpatch.ParseArch),
		func(d *hotpatch.Device, v parsed) { d.Arch = hotpatch.Arch(v.u) }},
	fieldFirmware: {"firmware", enumParser(hotpatch.ParseFirmware),
		func(d *hotpatch.Device, v parsed) { d.Firmware = hotpatch.Firmware(v.u) }},
	fieldSecureBoot: {"secureBoot", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.SecureBoot = hotpatch.Tri(v.u) }},
	fieldVBS: {"vbs", enumParser(hotpatch.ParseVBS),
		func(d *hotpatch.Device, v parsed) { d.VBS = hotpatch.VBS(v.u) }},
	fieldVirtExt: {"virtualizationExtensions", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.VirtualizationExtensions = hotpatch.Tri(v.u) }},
	fieldSLAT: {"slat", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.SLAT = hotpatch.Tri(v.u) }},
	fieldCHPE: {"chpeDisabled", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.CHPEDisabled = hotpatch.Tri(v.u) }},
	fieldManagement: {"management", enumParser(hotpatch.ParseManagement),
		func(d *hotpatch.Device, v parsed) { d.Management = hotpatch.Management(v.u) }},
	fieldLicense: {"license", enumParser(hotpatch.ParseLicense),
		func(d *hotpatch.Device, v parsed) { d.License = hotpatch.License(v.u) }},
	fieldPolicy: {"hotpatchPolicy", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.HotpatchPolicy = hotpatch.Tri(v.u) }},
	fieldLastBaseline: {"lastBaseline", parseBuildField,
		func(d *hotpatch.Device, v parsed) { d.LastBaseline = v.b }},
}

// enumParser adapts a hotpatch parser of a one-byte enumeration.
func enumParser[T ~uint8](parse func(string) (T, error)) func(string) (parsed, error) {
	return func(text string) (parsed, error) {
		v, err := parse(text)
		return parsed{u: uint8(v)}, err
	}
}

// fieldAliases maps folded column names (lower-case letters and digits) to
// fields.
var fieldAliases = map[string]field{
	"id": fieldID, "deviceid": fieldID, "intunedeviceid": fieldID, "manageddeviceid": fieldID,
	"name": fieldName, "devicename": fieldName, "computername": fieldName, "hostname": fieldName,
	"build": fieldBuild, "osversion": fieldBuild, "osbuild": fieldBuild,
	"edition": fieldEdition, "editionid": fieldEdition, "skufamily": fieldEdition, "osedition": fieldEdition,
	"arch": fieldArch, "architecture": fieldArch, "processorarchitecture": fieldArch,
	"firmware": fieldFirmware, "firmwaretype": fieldFirmware, "biosmode": fieldFirmware,
	"secureboot": fieldSecureBoot, "securebootenabled": fieldSecureBoot, "securebootstate": fieldSecureBoot,
	"vbs": fieldVBS, "vbsstate": fieldVBS, "vbsstatus": fieldVBS, "virtualizationbasedsecurity": fieldVBS,
	"virtualizationbasedsecuritystatus": fieldVBS,
	"virtualizationextensions":          fieldVirtExt, "slat": fieldSLAT,
	"chpedisabled": fieldCHPE, "hotpatchrestrictions": fieldCHPE,
	"management": fieldManagement, "managedby": fieldManagement, "managementagent": fieldManagement,
	"license": fieldLicense, "licence": fieldLicense,
	"hotpatchpolicy": fieldPolicy, "hotpatchenabled": fieldPolicy, "ishotpatchenabled": fieldPolicy,
	"lastbaseline": fieldLastBaseline,
	"os":           fieldOS, "operatingsystem": fieldOS,
}

func fold(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// parsed is a parsed cell value: an enum or Tri in u, or a build.
type parsed struct {
	u uint8
	b hotpatch.Build
}

// A parser parses the cells of one field, remembering the values it has
// seen: inventories repeat a few spellings millions of times. The first few
// spellings are kept in a slice, which a short scan searches faster than a
// map; builds, which vary more, spill into the map.
type parser struct {
	f     field
	few   []cached
	cache map[string]parsed
}

type cached struct {
	text string
	v    parsed
}

const (
	maxFew   = 16
	maxCache = 4096
)

func (p *parser) lookup(text string) (parsed, bool) {
	for i := range p.few {
		if p.few[i].text == text {
			return p.few[i].v, true
		}
	}
	v, ok := p.cache[text]
	return v, ok
}

func (p *parser) remember(text string, v parsed) {
	switch {
	case len(p.few) < maxFew:
		p.few = append(p.few, cached{strings.Clone(text), v})
	case len(p.cache) < maxCache:
		p.cache[strings.Clone(text)] = v
	}
}

func (p *parser) set(d *hotpatch.Device, text string) error {
	switch p.f {
	case fieldID:
		d.ID = strings.TrimSpace(text)
		return nil
	case fieldName:
		d.Name = strings.TrimSpace(text)
		return nil
	}
	spec := &fields[p.f]
	v, ok := p.lookup(text)
	if !ok {
		var err error
		if v, err = spec.parse(text); err != nil {
			return err
		}
		p.remember(text, v)
	}
	spec.set(d, v)
	return nil
}

// parseOS accepts Windows, or no value: Intune exports list phones and Macs
// too, and their OS versions are not Windows builds.
func parseOS(text string) (parsed, error) {
	if k := fold(text); k != "" && !strings.HasPrefix(k, "windows") {
		return parsed{}, fmt.Errorf("%w: %q", ErrNotWindows, text)
	}
	return parsed{}, nil
}

// parseBuildField parses a build and rejects builds no Windows release has.
func parseBuildField(text string) (parsed, error) {
	if strings.TrimSpace(text) == "" {
		return parsed{}, nil
	}
	b, err := hotpatch.ParseBuild(text)
	if err != nil {
		return parsed{}, err
	}
	if b.Major != 10 || b.Minor != 0 || b.Number < 10240 {
		return parsed{}, fmt.Errorf("%w %q: Windows 10 and later are 10.0.10240 and up", ErrImpossibleBuild, text)
	}
	return parsed{b: b}, nil
}

// columns maps header names to parsers.
func (inv *Inventory) columns(names []string) ([]*parser, error) {
	ps := make([]*parser, len(names))
	var at [numFields]int
	for i, n := range names {
		f := fieldAliases[fold(n)]
		if f == fieldNone {
			inv.ignored = append(inv.ignored, n)
			continue
		}
		if at[f] != 0 {
			return nil, fmt.Errorf("eligibility: columns %d and %d both give %s", at[f], i+1, fields[f].name)
		}
		at[f] = i + 1
		ps[i] = &parser{f: f, cache: map[string]parsed{}}
	}
	if at[fieldID] == 0 && at[fieldName] == 0 {
		return nil, errors.New("eligibility: the header has no id or name column")
	}
	for _, col := range at {
		if col != 0 {
			inv.order = append(inv.order, col-1)
		}
	}
	return ps, nil
}

func skipBOM(r *bufio.Reader) {
	if b, err := r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		r.Discard(3)
	}
}

func (inv *Inventory) readCSV(yield func(hotpatch.Device) bool) {
	br := bufio.NewReaderSize(inv.src, 64<<10)
	skipBOM(br)
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			err = errors.New("eligibility: empty CSV inventory: no header")
		}
		inv.err = err
		return
	}
	header = append([]string(nil), header...)
	ps, err := inv.columns(header)
	if err != nil {
		inv.err = err
		return
	}
	// One goroutine splits records while this one parses them, so that a
	// large file uses two cores. Records travel in batches; the channel's
	// capacity bounds the memory.
	batches := make(chan *csvBatch, 4)
	free := make(chan *csvBatch, 6)
	done := make(chan struct{})
	defer close(done)
	go splitCSV(cr, batches, free, done)
	for b := range batches {
		for _, r := range b.rows {
			inv.rows++
			if r.err != nil {
				inv.reject(&RowError{Line: r.line, Err: r.err})
				continue
			}
			rec := b.cells[r.start:r.end]
			if len(rec) != len(header) {
				inv.reject(&RowError{Line: r.line,
					Err: fmt.Errorf("%w: %d, the header has %d", ErrFieldCount, len(rec), len(header))})
				continue
			}
			d := &inv.row
			*d = hotpatch.Device{}
			if !inv.parseRow(r.line, ps, header, rec, d) {
				continue
			}
			if !inv.finish(r.line, d, yield) {
				return
			}
		}
		if b.err != nil {
			inv.err = b.err
			return
		}
		// The devices yielded keep their strings, not the batch: it can
		// carry the next records.
		select {
		case free <- b:
		default:
		}
	}
}

// A csvBatch is a run of CSV records: each row's fields are
// cells[start:end], or err says why the record did not parse. A batch with
// a non-nil err ends the stream.
type csvBatch struct {
	rows  []csvRecord
	cells []string
	err   error
}

type csvRecord struct {
	line       int
	start, end int
	err        error
}

const csvBatchRows = 512

// splitCSV reads records from cr into batches until the input ends, an I/O
// error occurs or done is closed. It reuses the batches that come back on
// free.
func splitCSV(cr *csv.Reader, out chan<- *csvBatch, free <-chan *csvBatch, done <-chan struct{}) {
	defer close(out)
	b := &csvBatch{}
	send := func() bool {
		select {
		case out <- b:
		case <-done:
			return false
		}
		select {
		case b = <-free:
			b.rows, b.cells = b.rows[:0], b.cells[:0]
		default:
			b = &csvBatch{rows: make([]csvRecord, 0, csvBatchRows), cells: make([]string, 0, cap(b.cells))}
		}
		return true
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Declared here, not per record: errors.As makes it escape.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				b.err = err
				send()
				return
			}
			b.rows = append(b.rows, csvRecord{line: pe.StartLine, err: pe.Err})
		} else {
			line, _ := cr.FieldPos(0)
			start := len(b.cells)
			b.cells = append(b.cells, rec...)
			b.rows = append(b.rows, csvRecord{line: line, start: start, end: len(b.cells)})
		}
		if len(b.rows) == csvBatchRows && !send() {
			return
		}
	}
	if len(b.rows) > 0 {
		send()
	}
}

// parseRow parses the cells of a row in schema order (see fields), so that
// a row's first problem is reported the same way whatever the column order:
// a phone is "not a Windows device" before its OS version is an impossible
// build.
func (inv *Inventory) parseRow(line int, ps []*parser, header, rec []string, d *hotpatch.Device) bool {
	for _, i := range inv.order {
		if err := ps[i].set(d, rec[i]); err != nil {
			inv.reject(&RowError{Line: line, Column: header[i], Err: err})
			return false
		}
	}
	return true
}

func (inv *Inventory) readJSON(yield func(hotpatch.Device) bool) {
	br := bufio.NewReader(inv.src)
	skipBOM(br)
	data, err := io.ReadAll(br)
	if err != nil {
		inv.err = err
		return
	}
	lines := lineCounter{data: data, line: 1}
	start := skipSpace(data, 0)
	if start == len(data) {
		return // no devices
	}
	// A Microsoft Graph response, {"@odata.context": …, "value": [ … ]}:
	// read the array, and ignore what surrounds it.
	wrapped := false
	if off, ok := graphValue(data[start:]); ok {
		start, wrapped = start+off, true
	}
	base := start
	dec := json.NewDecoder(bytes.NewReader(data[base:]))
	dec.UseNumber()
	at := func() int { return base + int(dec.InputOffset()) }
	fail := func(err error) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			err = fmt.Errorf("line %d: %w", lines.at(base+int(se.Offset)), err)
		}
		inv.err = fmt.Errorf("eligibility: JSON inventory: %w", err)
	}
	inArray := data[start] == '['
	if inArray {
		if _, err := dec.Token(); err != nil {
			fail(err)
			return
		}
	}
	known := map[string]*parser{}
	for inArray && dec.More() || !inArray && skipSpace(data, at()) < len(data) {
		off := skipSpace(data, at())
		if inArray && off < len(data) && data[off] == ',' {
			off = skipSpace(data, off+1)
		}
		line := lines.at(off)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			fail(err)
			return
		}
		inv.rows++
		d := &inv.row
		*d = hotpatch.Device{}
		if !inv.parseObject(line, raw, known, d) {
			continue
		}
		if !inv.finish(line, d, yield) {
			return
		}
	}
	if inArray {
		if _, err := dec.Token(); err != nil {
			fail(err)
			return
		}
		if off := skipSpace(data, at()); off < len(data) && !wrapped {
			fail(fmt.Errorf("line %d: data after the array", lines.at(off)))
		}
	}
}

// graphValue reports whether data holds a Microsoft Graph list response, an
// object whose "value" is an array, and where in data that array starts.
func graphValue(data []byte) (int, bool) {
	if len(data) == 0 || data[0] != '{' {
		return 0, false
	}
	var obj map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&obj); err != nil {
		return 0, false
	}
	v, ok := obj["value"]
	if !ok || len(v) == 0 || v[0] != '[' {
		return 0, false
	}
	// The raw value is a copy of the bytes of data that held it.
	if i := bytes.Index(data, v); i >= 0 {
		return i, true
	}
	return 0, false
}

func (inv *Inventory) parseObject(line int, raw json.RawMessage, known map[string]*parser, d *hotpatch.Device) bool {
	od := json.NewDecoder(bytes.NewReader(raw))
	od.UseNumber()
	var obj map[string]any
	if err := od.Decode(&obj); err != nil || obj == nil {
		inv.reject(&RowError{Line: line, Err: ErrNotObject})
		return false
	}
	// Keys in schema order, then by name, so that the row's first problem
	// does not depend on map order.
	keys := slices.SortedFunc(maps.Keys(obj), func(a, b string) int {
		return cmp.Or(cmp.Compare(schemaRank(a), schemaRank(b)), cmp.Compare(a, b))
	})
	var by [numFields]string
	for _, k := range keys {
		p, ok := known[k]
		if !ok {
			f := fieldAliases[fold(k)]
			if f != fieldNone {
				p = &parser{f: f, cache: map[string]parsed{}}
			} else if len(inv.ignored) < 100 {
				inv.ignored = append(inv.ignored, k)
			}
			known[k] = p
		}
		if p == nil {
			continue
		}
		if by[p.f] != "" {
			inv.reject(&RowError{Line: line, Column: k,
				Err: fmt.Errorf("%q and %q both give %s", by[p.f], k, fields[p.f].name)})
			return false
		}
		by[p.f] = k
		var text string
		switch v := obj[k].(type) {
		case nil:
		case string:
			text = v
		case json.Number:
			text = v.String()
		case bool:
			text = strconv.FormatBool(v)
		default:
			inv.reject(&RowError{Line: line, Column: k, Err: ErrNotScalar})
			return false
		}
		if err := p.set(d, text); err != nil {
			inv.reject(&RowError{Line: line, Column: k, Err: err})
			return false
		}
	}
	return true
}

// schemaRank orders JSON keys by their field, unknown keys last.
func schemaRank(key string) field {
	if f := fieldAliases[fold(key)]; f != fieldNone {
		return f
	}
	return numFields
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// lineCounter turns byte offsets, asked for in increasing order, into line
// numbers.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (l *lineCounter) at(off int) int {
	off = min(off, len(l.data))
	if off < l.off { // not increasing: count from the start
		l.off, l.line = 0, 1
	}
	l.line += bytes.Count(l.data[l.off:off], []byte{'\n'})
	l.off = off
	return l.line
}
