package eligibility

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/patchmodel/patchmodel/hotpatch"
)

func readAll(inv *Inventory) []hotpatch.Device {
	var ds []hotpatch.Device
	for d := range inv.Devices() {
		ds = append(ds, d)
	}
	return ds
}

// chunkings are the ways the reader tests feed an inventory: whole, and
// in the pieces pipes and network bodies deliver. Every reader test reads
// each input every way and requires the same devices and problems.
var chunkings = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"OneByteReader", iotest.OneByteReader},
	{"HalfReader", iotest.HalfReader},
	{"DataErrReader", iotest.DataErrReader},
}

// smallReads returns at most n bytes per Read.
type smallReads struct {
	r io.Reader
	n int
}

func (s *smallReads) Read(p []byte) (int, error) { return s.r.Read(p[:min(len(p), s.n)]) }

// readResult is what a read of an inventory produced, for comparing reads.
type readResult struct {
	Devices        []hotpatch.Device
	Problems       []string
	Rows, Rejected int
	Ignored        []string
	Err            string
}

func readResultOf(inv *Inventory, ds []hotpatch.Device) readResult {
	r := readResult{Devices: ds, Rows: inv.Rows(), Rejected: inv.Rejected(), Ignored: inv.Ignored()}
	for _, p := range inv.Problems() {
		r.Problems = append(r.Problems, p.Error())
	}
	if inv.Err() != nil {
		r.Err = inv.Err().Error()
	}
	return r
}

// readAllWays reads in with read every way of chunkings, reports any
// difference from the whole read, and returns the whole read.
func readAllWays(t testing.TB, read func(io.Reader) *Inventory, in string) (*Inventory, []hotpatch.Device) {
	t.Helper()
	var whole *Inventory
	var wantDevices []hotpatch.Device
	var want readResult
	for i, c := range chunkings {
		wrap := c.wrap
		if c.name == "OneByteReader" && len(in) > 256<<10 {
			// Large inputs come 13 bytes at a time, so that the race
			// detector's run stays short.
			wrap = func(r io.Reader) io.Reader { return &smallReads{r, 13} }
		}
		inv := read(wrap(strings.NewReader(in)))
		ds := readAll(inv)
		got := readResultOf(inv, ds)
		if i == 0 {
			whole, wantDevices, want = inv, ds, got
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("read through %s differs from the whole read (-whole +%s):\n%s", c.name, c.name, diff)
		}
	}
	return whole, wantDevices
}

func problemLines(inv *Inventory) []int {
	var ls []int
	for _, p := range inv.Problems() {
		ls = append(ls, p.Line)
	}
	return ls
}

func TestReadCSV(t *testing.T) {
	in := "\xef\xbb\xbfDevice ID,Device name,OS version,SkuFamily,VBS state,Managed by,Extra\r\n" +
		"a,\"Lab, room 2\",10.0.26100.8246,Enterprise,Running,Intune,x\r\n" + // line 2: BOM, CRLF, quoted comma
		"b,B,10.0.26100.8246,Windows 11 Ultimate,Running,Intune,x\r\n" + // 3: unknown edition
		"c,C,10.0.26100.8246,Enterprise,Running\r\n" + // 4: missing fields
		"d,D,10.0.26100.8246,Enterprise,Running,Intune,x,y\r\n" + // 5: extra field
		"a,A again,10.0.26100.8246,Enterprise,Running,Intune,x\r\n" + // 6: duplicate ID
		"e,E,10.0.99.1,Enterprise,Running,Intune,x\r\n" + // 7: impossible build
		",,10.0.26100.8246,Enterprise,Running,Intune,x\r\n" + // 8: no ID or name
		",F,26100.8246,,,,\r\n" + // 9: name stands in for ID, unknowns
		"\r\n" + // blank line: not a row
		"g,\"multi\nline\",26100.1,Pro,0,co-managed,x\r\n" // 11-12: quoted newline
	inv, ds := readAllWays(t, ReadCSV, in)
	if inv.Err() != nil {
		t.Fatal(inv.Err())
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(ids, []string{"a", "F", "g"}) {
		t.Errorf("devices %v", ids)
	}
	if got, want := problemLines(inv), []int{3, 4, 5, 6, 7, 8}; !slices.Equal(got, want) {
		t.Errorf("problem lines %v, want %v: %v", got, want, inv.Problems())
	}
	if inv.Rows() != 9 || inv.Rejected() != 6 || inv.Rows() != len(ds)+inv.Rejected() {
		t.Errorf("rows %d rejected %d devices %d", inv.Rows(), inv.Rejected(), len(ds))
	}
	if ds[0].Name != "Lab, room 2" || ds[0].Edition != hotpatch.EditionEnterprise || ds[0].VBS != hotpatch.VBSRunning ||
		ds[0].Build != hotpatch.MustParseBuild("10.0.26100.8246") || ds[0].Management != hotpatch.ManagementIntune {
		t.Errorf("device a: %+v", ds[0])
	}
	if ds[1].Edition != hotpatch.EditionUnknown || ds[1].VBS != hotpatch.VBSUnknown {
		t.Errorf("empty cells must be unknown: %+v", ds[1])
	}
	if ds[2].Name != "multi\nline" || ds[2].VBS != hotpatch.VBSOff || ds[2].Management != hotpatch.ManagementCoManaged {
		t.Errorf("device g: %+v", ds[2])
	}
	checks := []struct {
		i   int
		err error
		col string
	}{
		{0, hotpatch.ErrUnknown, "SkuFamily"}, {1, ErrFieldCount, ""}, {2, ErrFieldCount, ""},
		{3, ErrDuplicate, "id"}, {4, ErrImpossibleBuild, "OS version"}, {5, ErrMissingID, ""},
	}
	for _, c := range checks {
		p := inv.Problems()[c.i]
		if !errors.Is(p, c.err) || p.Column != c.col {
			t.Errorf("problem %d: %v (column %q), want %v in %q", c.i, p, p.Column, c.err, c.col)
		}
	}
	if !strings.Contains(inv.Problems()[3].Error(), "first on line 2") {
		t.Errorf("duplicate does not name the first line: %v", inv.Problems()[3])
	}
	if !slices.Equal(inv.Ignored(), []string{"Extra"}) {
		t.Errorf("ignored %v", inv.Ignored())
	}
}

func TestReadCSVHeaderErrors(t *testing.T) {
	for _, in := range []string{
		"",                      // no header
		"build,edition\n1,2\n",  // no id or name column
		"id,Device ID\n1,2\n",   // two columns give the ID
		"\"unterminated\n1,2\n", // the header itself is broken
	} {
		inv, ds := readAllWays(t, ReadCSV, in)
		if len(ds) != 0 || inv.Err() == nil {
			t.Errorf("%q: %d devices, err %v", in, len(ds), inv.Err())
		}
	}
}

func TestReadCSVQuoteError(t *testing.T) {
	in := "id,build\na,26100.1\nb,26100\"1\nc,26100.2\n"
	inv, ds := readAllWays(t, ReadCSV, in)
	if len(ds) != 2 || !slices.Equal(problemLines(inv), []int{3}) || inv.Err() != nil {
		t.Errorf("devices %d, problems %v, err %v", len(ds), inv.Problems(), inv.Err())
	}
}

func TestReadJSON(t *testing.T) {
	in := "\xef\xbb\xbf[\n" +
		`  {"id": "a", "build": "26100.8246", "edition": "Enterprise", "vbs": 2, "secureBoot": true, "hotpatchEnabled": null},` + "\n" + // 2
		`  {"id": "b", "edition": "Ultimate"},` + "\n" + // 3: unknown edition
		`  42,` + "\n" + // 4: not an object
		`  {"id": "c", "vbs": {"state": 2}},` + "\n" + // 5: not a scalar
		`  {"id": "a"},` + "\n" + // 6: duplicate
		`  {"deviceName": "d", "osVersion": "10.0.26200.8390", "color": "red"},` + "\n" + // 7: Graph names
		`  {"id": "e", "deviceId": "e2"}` + "\n" + // 8: two keys give the ID
		"]\n"
	inv, ds := readAllWays(t, ReadJSON, in)
	if inv.Err() != nil {
		t.Fatal(inv.Err())
	}
	if len(ds) != 2 || ds[0].ID != "a" || ds[1].ID != "d" {
		t.Fatalf("devices %+v", ds)
	}
	if ds[0].VBS != hotpatch.VBSRunning || ds[0].SecureBoot != hotpatch.True || ds[0].HotpatchPolicy != hotpatch.Unknown {
		t.Errorf("device a: %+v", ds[0])
	}
	if ds[1].Build != hotpatch.MustParseBuild("10.0.26200.8390") {
		t.Errorf("device d: %+v", ds[1])
	}
	if got, want := problemLines(inv), []int{3, 4, 5, 6, 8}; !slices.Equal(got, want) {
		t.Errorf("problem lines %v, want %v: %v", got, want, inv.Problems())
	}
	for i, want := range []error{hotpatch.ErrUnknown, ErrNotObject, ErrNotScalar, ErrDuplicate} {
		if !errors.Is(inv.Problems()[i], want) {
			t.Errorf("problem %d: %v, want %v", i, inv.Problems()[i], want)
		}
	}
	if inv.Rows() != len(ds)+inv.Rejected() || !slices.Equal(inv.Ignored(), []string{"color"}) {
		t.Errorf("rows %d rejected %d ignored %v", inv.Rows(), inv.Rejected(), inv.Ignored())
	}
}

func TestReadJSONLinesAndErrors(t *testing.T) {
	// A sequence of objects, one per line.
	inv, ds := readAllWays(t, ReadJSON, "{\"id\":\"a\"}\n{\"id\":\"b\",\"arch\":\"sparc\"}\n\n{\"id\":\"c\"}\n")
	if len(ds) != 2 || !slices.Equal(problemLines(inv), []int{2}) || inv.Err() != nil {
		t.Errorf("NDJSON: %d devices, problems %v, err %v", len(ds), inv.Problems(), inv.Err())
	}
	// A syntax error ends the stream with a line number.
	inv, ds = readAllWays(t, ReadJSON, "[\n{\"id\":\"a\"},\n{\"id\": }\n]")
	if len(ds) != 1 || inv.Err() == nil || !strings.Contains(inv.Err().Error(), "line 3") {
		t.Errorf("syntax error: %d devices, err %v", len(ds), inv.Err())
	}
	// Empty input is an error: more likely a failed export than no fleet.
	inv, ds = readAllWays(t, ReadJSON, "  \n")
	if len(ds) != 0 || !errors.Is(inv.Err(), ErrEmpty) {
		t.Errorf("empty: %d devices, err %v", len(ds), inv.Err())
	}
	// An empty array is an empty fleet.
	inv, ds = readAllWays(t, ReadJSON, " [ ] ")
	if len(ds) != 0 || inv.Err() != nil {
		t.Errorf("[]: %d devices, err %v", len(ds), inv.Err())
	}
	// Reading twice is an error, not a silent empty stream.
	inv = ReadJSON(strings.NewReader("[]"))
	readAll(inv)
	readAll(inv)
	if inv.Err() == nil {
		t.Error("second read: no error")
	}
}

func TestInventoryStopEarly(t *testing.T) {
	inv := ReadCSV(strings.NewReader("id\na\nb\nc\n"))
	for d := range inv.Devices() {
		if d.ID == "b" {
			break
		}
	}
	if inv.Rows() != 2 {
		t.Errorf("rows after break: %d", inv.Rows())
	}
}

func TestOnReject(t *testing.T) {
	var n int
	inv := ReadCSV(strings.NewReader("id,vbs\n" + strings.Repeat("x,bad\n", MaxProblems+5)))
	inv.OnReject = func(*RowError) { n++ }
	readAll(inv)
	if n != MaxProblems+5 || inv.Rejected() != n || len(inv.Problems()) != MaxProblems {
		t.Errorf("OnReject %d, rejected %d, problems kept %d", n, inv.Rejected(), len(inv.Problems()))
	}
	s := inv.Summary()
	if s.Rows != s.Devices+s.Rejected {
		t.Errorf("summary %+v", s)
	}
}

func TestReadJSONGraphResponse(t *testing.T) {
	in := "{\n  \"@odata.context\": \"https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices\",\n" +
		"  \"value\": [\n" +
		"    {\"id\": \"g1\", \"deviceName\": \"PC1\", \"osVersion\": \"10.0.26100.8246\", \"skuFamily\": \"Enterprise\", \"processorArchitecture\": \"x64\"},\n" + // line 4
		"    {\"id\": \"g2\", \"deviceName\": \"PC2\", \"osVersion\": \"10.0.26100.8246\", \"skuFamily\": \"Ultimate\"}\n" + // line 5
		"  ],\n  \"@odata.nextLink\": \"https://graph.microsoft.com/beta/next\"\n}\n"
	inv, ds := readAllWays(t, ReadJSON, in)
	if inv.Err() != nil || len(ds) != 1 || ds[0].ID != "g1" || ds[0].Arch != hotpatch.ArchX64 {
		t.Fatalf("devices %+v, err %v", ds, inv.Err())
	}
	if !slices.Equal(problemLines(inv), []int{5}) {
		t.Errorf("problems %v", inv.Problems())
	}
	// An object without "value" is one device.
	inv, ds = readAllWays(t, ReadJSON, `{"id": "solo", "value": 3}`)
	if len(ds) != 1 || ds[0].ID != "solo" {
		t.Errorf("single object: %+v, %v", ds, inv.Err())
	}
}

// TestReadCSVStopEarlyLarge breaks out of a large inventory and checks that
// the goroutine splitting records stops.
func TestReadCSVStopEarlyLarge(t *testing.T) {
	before := runtime.NumGoroutine()
	inv := ReadCSV(bytes.NewReader(syntheticCSV(20_000, 1)))
	n := 0
	for range inv.Devices() {
		if n++; n == 10 {
			break
		}
	}
	if inv.Rows() != 10 {
		t.Errorf("rows after break: %d", inv.Rows())
	}
	for range 100 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("goroutines: %d before, %d after", before, runtime.NumGoroutine())
}

// TestReadNonWindows checks that an Intune export's phones and Macs are
// rejected as such, before their OS versions are judged as builds.
func TestReadNonWindows(t *testing.T) {
	in := "Device name,OS version,OS\nPC,10.0.26100.8246,Windows\nphone,17.5.1,iOS\nmac,14.5,macOS\n"
	inv, ds := readAllWays(t, ReadCSV, in)
	if len(ds) != 1 || inv.Rejected() != 2 {
		t.Fatalf("devices %d, problems %v", len(ds), inv.Problems())
	}
	for _, p := range inv.Problems() {
		if !errors.Is(p, ErrNotWindows) || p.Column != "OS" {
			t.Errorf("%v: want ErrNotWindows in column OS", p)
		}
	}
	inv, ds = readAllWays(t, ReadJSON, `[{"deviceName": "phone", "osVersion": "17.5.1", "operatingSystem": "iOS"}]`)
	if len(ds) != 0 || len(inv.Problems()) != 1 || !errors.Is(inv.Problems()[0], ErrNotWindows) {
		t.Errorf("JSON: %d devices, problems %v", len(ds), inv.Problems())
	}
}

func TestReadJSONNested(t *testing.T) {
	in := "[\n[1, [2]],\n{\"id\": \"a\", \"tags\": {\"x\": [1, {\"y\": 2}]}, \"vbs\": \"running\"},\n{\"id\": \"b\"}\n]\n]"
	inv, ds := readAllWays(t, ReadJSON, in)
	if len(ds) != 2 || ds[0].VBS != hotpatch.VBSRunning || !slices.Equal(problemLines(inv), []int{2}) {
		t.Errorf("devices %+v, problems %v", ds, inv.Problems())
	}
	if inv.Err() == nil || !strings.Contains(inv.Err().Error(), "line 6") {
		t.Errorf("stray bracket: %v", inv.Err())
	}
}
