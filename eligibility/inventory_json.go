package eligibility

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/patchmodel/patchmodel/hotpatch"
)

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
