package eligibility

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// TestReadJSONCommaAtChunkEnd is the regression test of devices dropped when
// the comma between two elements was the last byte the decoder had read:
// the next device was rejected as "not a JSON object". Names of every
// length from 470 to 530 put the comma at each position around the
// decoder's first 512-byte read.
func TestReadJSONCommaAtChunkEnd(t *testing.T) {
	for n := 470; n <= 530; n++ {
		in := fmt.Sprintf(`[{"id":"a","name":"%s"},{"id":"b","name":"y"}]`, strings.Repeat("x", n))
		inv, ds := readAllWays(t, ReadJSON, in)
		if len(ds) != 2 || inv.Rejected() != 0 || inv.Err() != nil {
			t.Fatalf("name of %d bytes: %d devices, problems %v, err %v", n, len(ds), inv.Problems(), inv.Err())
		}
	}
}

// TestReadJSONManyDevices reads a thousand devices in each JSON layout, on
// one line and one per line, every way of chunkings.
func TestReadJSONManyDevices(t *testing.T) {
	var objs []string
	for i := range 1000 {
		objs = append(objs, fmt.Sprintf(`{"id":"d%d","osVersion":"10.0.26100.%d","skuFamily":"Enterprise"}`, i, 1000+i))
	}
	for name, in := range map[string]string{
		"array":          "[" + strings.Join(objs, ",") + "]",
		"array by lines": "[\n" + strings.Join(objs, ",\n") + "\n]\n",
		"NDJSON":         strings.Join(objs, "\n") + "\n",
		"concatenated":   strings.Join(objs, ""),
		"Graph":          `{"@odata.context":"x","value":[` + strings.Join(objs, ",") + `],"@odata.nextLink":"y"}`,
	} {
		inv, ds := readAllWays(t, ReadJSON, in)
		if len(ds) != 1000 || inv.Err() != nil || ds[999].ID != "d999" {
			t.Errorf("%s: %d devices, problems %v, err %v", name, len(ds), inv.Problems(), inv.Err())
		}
	}
}

// TestReadJSONLongSpaces puts more spaces between values than the reader
// looks ahead, so that the first byte of a value is not known before it is
// decoded.
func TestReadJSONLongSpaces(t *testing.T) {
	sp := strings.Repeat(" ", 5000) // more than the 4096 bytes of lookahead
	in := "[" + sp + `{"id":"a"}` + sp + "," + sp + "\n42," + sp + `{"id":"b"}` + sp + "]" + sp + "\n" + sp + `{"id":"c"}` + sp + "[" + `{"id":"d"}` + "]"
	inv, ds := readAllWays(t, ReadJSON, in)
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(ids, []string{"a", "b", "c", "d"}) || !slices.Equal(problemLines(inv), []int{2}) || inv.Err() != nil {
		t.Errorf("devices %v, problems %v, err %v", ids, inv.Problems(), inv.Err())
	}
}

// TestReadJSONValueLimit checks that a JSON element longer than
// MaxValueBytes ends reading after the devices before it, and that a Graph
// response or array longer than that in all is read.
func TestReadJSONValueLimit(t *testing.T) {
	big := strings.Repeat("x", MaxValueBytes+100)
	for name, in := range map[string]string{
		"array":  `[{"id":"a"},{"id":"b","name":"` + big + `"},{"id":"c"}]`,
		"NDJSON": "{\"id\":\"a\"}\n{\"id\":\"b\",\"name\":\"" + big + "\"}\n{\"id\":\"c\"}\n",
		"Graph":  `{"value":[{"id":"a"},{"id":"b","tags":[` + strings.Repeat(`"x",`, MaxValueBytes/4+100) + `"x"]},{"id":"c"}]}`,
	} {
		inv, ds := readAllWays(t, ReadJSON, in)
		if len(ds) != 1 || !errors.Is(inv.Err(), ErrValueTooLong) {
			t.Errorf("%s: %d devices, err %v", name, len(ds), inv.Err())
		}
	}
	part := `"` + strings.Repeat("j", MaxValueBytes/4) + `"`
	junk := `{"junk":[` + strings.Repeat(part+",", 4) + `1],"value":[{"id":"a"}]}`
	if inv, ds := readAllWays(t, ReadJSON, junk); len(ds) != 0 || !errors.Is(inv.Err(), ErrValueTooLong) {
		t.Errorf("Graph response with a large other member: %d devices, err %v", len(ds), inv.Err())
	}
	var objs []string
	notes := strings.Repeat("n", 200)
	for i := range 10_000 {
		objs = append(objs, fmt.Sprintf(`{"id":"d%d","osVersion":"10.0.26100.%d","notes":"%s"}`, i, 1000+i, notes))
	}
	for name, in := range map[string]string{
		"array": "[" + strings.Join(objs, ",") + "]",
		"Graph": `{"@odata.context":"x","value":[` + strings.Join(objs, ",") + `]}`,
	} {
		if len(in) < 2*MaxValueBytes {
			t.Fatalf("%s: %d bytes, want more than the limit", name, len(in))
		}
		inv := ReadJSON(iotest.HalfReader(strings.NewReader(in)))
		if ds := readAll(inv); len(ds) != len(objs) || inv.Err() != nil {
			t.Errorf("%s of %d bytes: %d devices, err %v", name, len(in), len(ds), inv.Err())
		}
	}
}

// TestReadJSONTruncated cuts a JSON inventory at every byte: the devices
// whose objects end before the cut are yielded, and the error is
// io.ErrUnexpectedEOF with the line, never io.EOF.
func TestReadJSONTruncated(t *testing.T) {
	objs := []string{`{"id": "a", "vbs": 2}`, `{"id": "b", "secureBoot": true}`, `{"id": "c", "name": "x\"y"}`}
	for _, layout := range []struct{ open, sep, close string }{
		{"[\n", ",\n", "\n]\n"},
		{`{"value": [`, ", ", "]}"},
		{"", "\n", "\n"},
	} {
		in := layout.open
		var ends []int
		for i, o := range objs {
			if i > 0 {
				in += layout.sep
			}
			in += o
			ends = append(ends, len(in))
		}
		in += layout.close
		for cut := 1; cut < len(strings.TrimRight(in, "\n")); cut++ {
			part := in[:cut]
			inv, ds := readAllWays(t, ReadJSON, part)
			want := 0
			for _, e := range ends {
				if e <= cut {
					want++
				}
			}
			err := inv.Err()
			complete := layout.open == "" && want > 0 && strings.TrimSpace(part[ends[want-1]:]) == ""
			if complete {
				if err != nil || len(ds) != want {
					t.Errorf("%q: %d devices, err %v", part, len(ds), err)
				}
				continue
			}
			var re *ReadError
			if !errors.As(err, &re) || !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || re.Line < 1 || re.Offset != int64(cut) {
				t.Errorf("%q: err %#v, want io.ErrUnexpectedEOF at the end", part, err)
			}
			if len(ds) != want {
				t.Errorf("%q: %d devices, want the %d before the cut", part, len(ds), want)
			}
		}
	}
}

// TestReadCSVHalfWritten cuts a CSV inventory in a quoted field that spans
// lines: the devices before it stand, and the error names the quote's line.
func TestReadCSVHalfWritten(t *testing.T) {
	in := "id,name,build\na,A,26100.1\nb,\"B\nsecond line\",26100.2\nc,\"C, cut here\nd,D,26100.4\ne,E,26100.5\n"
	inv, ds := readAllWays(t, ReadCSV, in)
	var re *ReadError
	if len(ds) != 2 || !errors.As(inv.Err(), &re) || !errors.Is(re, ErrUnclosedQuote) || re.Line != 5 {
		t.Fatalf("devices %d, err %v", len(ds), inv.Err())
	}
	if !strings.Contains(re.Error(), "line 5") || !strings.Contains(re.Error(), "7") {
		t.Errorf("message %q: want the quote's line and the end's", re)
	}
	if inv.Rows() != 2 || inv.Rejected() != 0 {
		t.Errorf("rows %d, rejected %d", inv.Rows(), inv.Rejected())
	}
}

// TestReadCSVLineEnds reads the same inventory with every kind of line end.
func TestReadCSVLineEnds(t *testing.T) {
	lf := "id,name,build\na,A,26100.1\nb,\"B, quoted\",26100.2\nc,C,bad\n"
	_, want := readAllWays(t, ReadCSV, lf)
	for name, eol := range map[string]string{"CRLF": "\r\n", "CR": "\r"} {
		in := strings.ReplaceAll(lf, "\n", eol)
		for _, in := range []string{in, "\xef\xbb\xbf" + in, strings.TrimSuffix(in, eol)} {
			inv, ds := readAllWays(t, ReadCSV, in)
			if !slices.Equal(ds, want) || inv.Err() != nil || !slices.Equal(problemLines(inv), []int{4}) {
				t.Errorf("%s %q: devices %v, problems %v, err %v", name, in, ds, inv.Problems(), inv.Err())
			}
		}
	}
	// A header of one name ending in a lone CR at the end of the file.
	if inv, ds := readAllWays(t, ReadCSV, "id\r"); len(ds) != 0 || inv.Err() != nil {
		t.Errorf("header only: %v", inv.Err())
	}
}

// TestReadCSVLineLimits checks that a header too long or too wide, or a
// line too long, is an error reached without holding it all: issue #13's
// 31 MB header of 10.5 M columns took 1.7 to 2.0 GB.
func TestReadCSVLineLimits(t *testing.T) {
	wide := strings.Repeat("c,", MaxHeaderColumns) + "id\nx\n"
	inv, _ := readAllWays(t, ReadCSV, wide)
	if !errors.Is(inv.Err(), ErrHeader) || !strings.Contains(inv.Err().Error(), "columns") {
		t.Errorf("wide header: %v", inv.Err())
	}
	// The widest header read lists only the first columns it ignores.
	inv, ds := readAllWays(t, ReadCSV, strings.Repeat("c,", MaxHeaderColumns-1)+"id\n"+strings.Repeat(",", MaxHeaderColumns-1)+"x\n")
	if len(ds) != 1 || inv.Err() != nil || len(inv.Ignored()) != maxIgnored {
		t.Errorf("widest header: %d devices, %d ignored, err %v", len(ds), len(inv.Ignored()), inv.Err())
	}
	for _, c := range []struct {
		name    string
		in      []byte
		devices int
		err     error
		budget  uint64
	}{
		{"31 MB header", []byte(strings.Repeat("id,", 10_500_000) + "\nx\n"), 0, ErrHeader, 16 << 20}, // issue #13's bomb
		{"8 MB without a line", bytes.Repeat([]byte{'a'}, 8<<20), 0, ErrHeader, 16 << 20},
		{"8 MB quoted", []byte("id,\"" + strings.Repeat("a", 8<<20)), 0, ErrHeader, 16 << 20},
		// A data line too long ends reading after the devices before it.
		{"31 MB row", []byte("id\na\n" + strings.Repeat("x,", 15_750_000) + "\nb\n"), 1, ErrLineTooLong, 32 << 20},
		{"31 MB field", []byte("id\na\n\"" + strings.Repeat("x", 31<<20) + "\"\nb\n"), 1, ErrLineTooLong, 32 << 20},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		inv := ReadCSV(bytes.NewReader(c.in))
		ds := readAll(inv)
		runtime.ReadMemStats(&after)
		if len(ds) != c.devices || !errors.Is(inv.Err(), c.err) {
			t.Errorf("%s: %d devices, err %v", c.name, len(ds), inv.Err())
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %.1f MiB allocated", c.name, float64(alloc)/(1<<20))
		if alloc > c.budget {
			t.Errorf("%s: %d bytes allocated, want at most %d", c.name, alloc, c.budget)
		}
	}
	long := "id\r" + "a\r" + strings.Repeat("x", MaxLineBytes+1) + "\rb\r"
	if inv, ds := readAllWays(t, ReadCSV, long); len(ds) != 1 || !errors.Is(inv.Err(), ErrLineTooLong) {
		t.Errorf("CR-only long line: %d devices, err %v", len(ds), inv.Err())
	}
	// Lines just under the limit are read, in both kinds of line ends.
	for _, eol := range []string{"\n", "\r"} {
		in := "id,name" + eol + "a," + strings.Repeat("x", MaxLineBytes-3) + eol + "b,y" + eol
		if inv, ds := readAllWays(t, ReadCSV, in); len(ds) != 2 || inv.Err() != nil {
			t.Errorf("line of %d bytes: %d devices, err %v", MaxLineBytes-1, len(ds), inv.Err())
		}
	}
	// A header just under the limit is read.
	ok := strings.Repeat("x", MaxHeaderBytes-10) + ",id\n,a\n"
	if inv, ds := readAllWays(t, ReadCSV, ok); len(ds) != 1 || inv.Err() != nil {
		t.Errorf("header of %d bytes: %d devices, err %v", len(ok), len(ds), inv.Err())
	}
}

// TestReadHeaderErrorListsColumns checks that a file that is not an
// inventory gets the accepted columns, Intune's among them.
func TestReadHeaderErrorListsColumns(t *testing.T) {
	for name, in := range map[string]string{
		"text":   "Dear team,\nplease find the devices attached.\n",
		"binary": "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8,\x00\x00\x00\n\x00\x01",
		"other":  "Serial,Model\n123,Surface\n",
	} {
		inv, _ := readAllWays(t, ReadCSV, in)
		err := inv.Err()
		var re *ReadError
		if !errors.As(err, &re) || !errors.Is(err, ErrHeader) || re.Line != 1 {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, want := range []string{"Device name", "managedDeviceId", "OS version", "SkuFamily", "hotpatchEnabled", "HotPatchRestrictions"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error lacks %q: %v", name, want, err)
			}
		}
	}
	if inv, _ := readAllWays(t, ReadCSV, ""); !errors.Is(inv.Err(), ErrEmpty) {
		t.Errorf("empty CSV: %v", inv.Err())
	}
}

// TestColumnNames checks the listed names against the names matched.
func TestColumnNames(t *testing.T) {
	listed := map[string]bool{}
	for f, names := range columnNames {
		if field(f) == fieldNone {
			continue
		}
		if len(names) == 0 || names[0] != fields[f].name {
			t.Errorf("field %s: names %v must start with the field's name", fields[f].name, names)
		}
		for _, n := range names {
			if got := fieldAliases[fold(n)]; got != field(f) {
				t.Errorf("%q is listed for %s but matches field %d", n, fields[f].name, got)
			}
			listed[fold(n)] = true
		}
	}
	for k := range fieldAliases {
		if !listed[k] {
			t.Errorf("alias %q is matched but not listed", k)
		}
	}
}

// TestReadAllBadCells checks that a row reports every bad cell, in schema
// order whatever the column order.
func TestReadAllBadCells(t *testing.T) {
	csvIn := "vbs,id,edition,build\nmaybe,a,Ultimate,10.0.99.1\nRunning,b,Enterprise,26100.1\n"
	jsonIn := `[{"vbs": "maybe", "id": "a", "edition": "Ultimate", "build": "10.0.99.1"}, {"id": "b"}]`
	for name, in := range map[string]struct {
		read func(io.Reader) *Inventory
		text string
	}{"CSV": {ReadCSV, csvIn}, "JSON": {ReadJSON, jsonIn}} {
		inv, ds := readAllWays(t, in.read, in.text)
		if len(ds) != 1 || len(inv.Problems()) != 1 {
			t.Fatalf("%s: devices %d, problems %v", name, len(ds), inv.Problems())
		}
		p := inv.Problems()[0]
		cols := []string{p.Column}
		for _, c := range p.More {
			cols = append(cols, c.Column)
		}
		if !slices.Equal(cols, []string{"build", "edition", "vbs"}) {
			t.Errorf("%s: columns %v, want build, edition, vbs: %v", name, cols, p)
		}
		for _, want := range []error{ErrImpossibleBuild, hotpatch.ErrUnknown} {
			if !errors.Is(p, want) {
				t.Errorf("%s: %v is not %v", name, p, want)
			}
		}
		if msg := p.Error(); !strings.Contains(msg, "column vbs") || !strings.Contains(msg, "column edition") {
			t.Errorf("%s: %q", name, msg)
		}
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back RowError
		if err := json.Unmarshal(data, &back); err != nil || back.Error() != p.Error() {
			t.Errorf("%s: JSON %s round trip: %v, %v", name, data, back.Error(), err)
		}
	}
	// Two keys for one field are a bad cell among the others.
	inv, _ := readAllWays(t, ReadJSON, `{"id": "a", "deviceId": "b", "vbs": "maybe"}`)
	if p := inv.Problems(); len(p) != 1 || p[0].Column != "id" || len(p[0].More) != 1 || p[0].More[0].Column != "vbs" {
		t.Errorf("duplicate keys: %v", p)
	}
}

// TestDevicesContext checks that a cancelled context ends reading, with
// the context's error, also in a long run of rejected rows.
func TestDevicesContext(t *testing.T) {
	for name, in := range map[string]struct {
		read func(io.Reader) *Inventory
		text string
	}{
		"CSV":  {ReadCSV, "id,vbs\n" + strings.Repeat("x,maybe\n", 100_000)},
		"JSON": {ReadJSON, "[" + strings.Repeat(`{"id":"x","vbs":"maybe"},`, 100_000) + "{}]"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		inv := in.read(strings.NewReader(in.text))
		inv.OnReject = func(*RowError) {
			if inv.Rejected() == 10 {
				cancel()
			}
		}
		for range inv.DevicesContext(ctx) {
			t.Fatalf("%s: a device", name)
		}
		var re *ReadError
		if !errors.As(inv.Err(), &re) || !errors.Is(inv.Err(), context.Canceled) {
			t.Errorf("%s: err %v", name, inv.Err())
		}
		if inv.Rows() > 2000 {
			t.Errorf("%s: %d rows read after cancel", name, inv.Rows())
		}
		// A context done before reading reads nothing.
		inv = in.read(strings.NewReader(in.text))
		for range inv.DevicesContext(ctx) {
		}
		if inv.Rows() != 0 || !errors.Is(inv.Err(), context.Canceled) {
			t.Errorf("%s: cancelled before: rows %d, err %v", name, inv.Rows(), inv.Err())
		}
	}
}

// TestDevicesContextBlockedRead cancels the reading of a CSV inventory whose
// reader blocks after a few rows, as a stalled pipe or download does.
func TestDevicesContextBlockedRead(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("id\na\nb\n")) // then nothing, and no end
	ctx, cancel := context.WithCancel(context.Background())
	inv := ReadCSV(pr)
	done := make(chan []string)
	go func() {
		var ids []string
		for d := range inv.DevicesContext(ctx) {
			ids = append(ids, d.ID)
		}
		done <- ids
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case ids := <-done:
		if len(ids) != 0 || !errors.Is(inv.Err(), context.Canceled) {
			t.Errorf("devices %v, err %v", ids, inv.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("DevicesContext did not return after cancel while a Read blocked")
	}
}

// TestReadErrorJSON checks a ReadError's JSON form.
func TestReadErrorJSON(t *testing.T) {
	inv, _ := readAllWays(t, ReadJSON, "[\n{\"id\": \"a\"},\n{\"id\"")
	data, err := json.Marshal(inv.Err())
	if want := `{"format":"JSON","line":3,"offset":20,"error":"unexpected EOF"}`; err != nil || string(data) != want {
		t.Errorf("%s, %v; want %s", data, err, want)
	}
}
