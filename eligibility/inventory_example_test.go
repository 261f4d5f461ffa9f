package eligibility_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/patchmodel/patchmodel/eligibility"
)

// A JSON inventory cut short, as by a failed download, yields the devices
// before the cut and an error that is io.ErrUnexpectedEOF, not io.EOF, with
// the line and byte where the input ends.
func ExampleReadError() {
	in := "[\n" +
		`{"id": "PC-1", "osVersion": "10.0.26100.8246"},` + "\n" +
		`{"id": "PC-2", "osVers`
	inv := eligibility.ReadJSON(strings.NewReader(in))
	for d := range inv.Devices() {
		fmt.Println("device", d.ID)
	}
	err := inv.Err()
	fmt.Println(err)
	fmt.Println("unexpected EOF:", errors.Is(err, io.ErrUnexpectedEOF), "EOF:", errors.Is(err, io.EOF))
	var re *eligibility.ReadError
	if errors.As(err, &re) {
		fmt.Println("line", re.Line, "byte", re.Offset)
	}
	// Output:
	// device PC-1
	// eligibility: JSON inventory: line 3 (byte 72): unexpected EOF
	// unexpected EOF: true EOF: false
	// line 3 byte 72
}

// DevicesContext stops reading when the context is done. A rejected row
// reports every bad cell.
func ExampleInventory_DevicesContext() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := "Device name,OS version,SkuFamily,VBS state\n" +
		"PC-1,10.0.26100.8246,Enterprise,Running\n" +
		"PC-2,10.0.99.1,Ultimate,maybe\n"
	inv := eligibility.ReadCSV(strings.NewReader(in))
	for d := range inv.DevicesContext(ctx) {
		fmt.Println(d.ID, d.Build.Short())
	}
	for _, p := range inv.Problems() {
		cols := []string{p.Column}
		for _, c := range p.More {
			cols = append(cols, c.Column)
		}
		fmt.Printf("line %d: bad cells %s; impossible build: %v\n", p.Line, strings.Join(cols, ", "),
			errors.Is(p, eligibility.ErrImpossibleBuild))
	}
	fmt.Println("error:", inv.Err())
	// Output:
	// PC-1 26100.8246
	// line 3: bad cells OS version, SkuFamily, VBS state; impossible build: true
	// error: <nil>
}
