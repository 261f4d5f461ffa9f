package eligibility

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
)

var fuzzPolicies = sync.OnceValue(func() *Policies {
	ps, err := ForAll(may2026, Options{})
	if err != nil {
		panic(err)
	}
	return ps
})

// checkInventory reads inv to the end and checks that nothing is lost or
// invented: every row is a device or a rejected row with a line number,
// every device can be evaluated, and an error that ended reading is a
// located *ReadError, never a bare io.EOF. The fuzz targets then read each
// input every way of chunkings (readAllWays): the devices and problems must
// not depend on how the input arrives.
func checkInventory(t *testing.T, inv *Inventory) {
	ps := fuzzPolicies()
	devices := 0
	for d := range inv.Devices() {
		devices++
		if d.ID == "" {
			t.Fatalf("device without ID: %+v", d)
		}
		v := ps.Evaluate(d)
		_ = v.Results()
		_ = v.Offer()
	}
	if devices+inv.Rejected() != inv.Rows() {
		t.Fatalf("devices %d + rejected %d != rows %d", devices, inv.Rejected(), inv.Rows())
	}
	for _, p := range inv.Problems() {
		if p.Line < 1 || p.Err == nil {
			t.Fatalf("problem without line or reason: %+v", p)
		}
	}
	if err := inv.Err(); err != nil {
		var re *ReadError
		if !errors.As(err, &re) || errors.Is(err, io.EOF) {
			t.Fatalf("error %#v: want a *ReadError that is not io.EOF", err)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"id,build,edition,vbs\na,26100.8246,Enterprise,running\n",
		"\xef\xbb\xbfDevice ID,OS version\r\nx,\"10.0.26100.1\"\r\ny,\r\n",
		"id,name\n\"a,b\",\"c\"\"d\"\nz\n",
		"id\n\"unterminated\n",
		"id,id\n1,2\n",
		"id,name\ra,\"b\rc\"\r",
		"id\n\"open\nx\ny\n",
		"name,hotpatchEnabled,HotPatchRestrictions\nn,1,0\nn,yes,maybe\n",
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile("testdata/fleet.csv"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInventory(t, ReadCSV(bytes.NewReader(data)))
		readAllWays(t, ReadCSV, string(data))
	})
}

func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{
		`[{"id": "a", "build": "26100.8246", "vbs": 2, "secureBoot": true}]`,
		"{\"id\":\"a\"}\n{\"id\":\"a\"}\n",
		`[{"id": "a", "vbs": {"x": 1}}, 42, null, "s", []]`,
		"\xef\xbb\xbf[\n{\"deviceName\": \"n\", \"osVersion\": \"10.0.99.1\"}\n]",
		`[{"id": "a"}`,
		`[] trailing`,
		`[{"id":"a","name":"` + strings.Repeat("x", 490) + `"},{"id":"b","name":"y"}]`,
		"[" + strings.Repeat(" ", 5000) + `{"id":"a"}]`,
		`{"@odata.context": "x", "value": [{"id": "g", "osVersion": "10.0.26100.1"}, {"id": 1}], "@odata.nextLink": "y"}`,
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile("../examples/fleet/testdata/inventory.json"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkInventory(t, ReadJSON(bytes.NewReader(data)))
		readAllWays(t, ReadJSON, string(data))
	})
}
