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

	"github.com/patchmodel/patchmodel/hotpatch"
)

// A jsonReader streams a JSON inventory: a top-level array of device
// objects, a sequence of objects, or a Microsoft Graph list response whose
// "value" is the array. It walks tokens, so memory holds one object at a
// time, not the file.
type jsonReader struct {
	inv   *Inventory
	dec   *json.Decoder
	lines *lineTracker
	known map[string]*parser // parsers by key, nil for keys outside the schema
	yield func(hotpatch.Device) bool
}

// errStopped is returned up the call chain when the consumer stops early.
var errStopped = errors.New("stopped")

func (inv *Inventory) readJSON(yield func(hotpatch.Device) bool) {
	br := bufio.NewReader(inv.src)
	skipBOM(br)
	lines := &lineTracker{r: br, line: 1}
	dec := json.NewDecoder(lines)
	dec.UseNumber()
	jr := &jsonReader{inv: inv, dec: dec, lines: lines, known: map[string]*parser{}, yield: yield}
	if err := jr.top(); err != nil && err != errStopped {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			err = fmt.Errorf("line %d: %w", lines.at(se.Offset), err)
		} else if err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("line %d: unexpected end of input", lines.at(dec.InputOffset()))
		}
		inv.err = fmt.Errorf("eligibility: JSON inventory: %w", err)
	}
}

// top reads the top-level values: arrays of devices, device objects, or a
// Graph response. Only the first object can be a Graph response; it is
// walked token by token to find its "value" array without holding it.
func (jr *jsonReader) top() error {
	for first := true; jr.dec.More(); first = false {
		line, c := jr.next()
		switch {
		case c == '[':
			if _, err := jr.dec.Token(); err != nil {
				return err
			}
			if err := jr.array(); err != nil {
				return err
			}
		case c == '{' && first:
			if _, err := jr.dec.Token(); err != nil {
				return err
			}
			obj, wrapper, err := jr.object()
			if err != nil {
				return err
			}
			if !wrapper {
				if err := jr.row(line, obj); err != nil {
					return err
				}
			}
		default:
			if err := jr.element(line, c); err != nil {
				return err
			}
		}
	}
	// More reports false at the end of input and before a stray closing
	// bracket, where Token fails.
	if _, err := jr.dec.Token(); err != io.EOF {
		return cmp.Or(err, errors.New("unexpected token"))
	}
	return nil
}

// array reads the elements of an array whose '[' was read, each a device.
func (jr *jsonReader) array() error {
	for jr.dec.More() {
		if err := jr.element(jr.next()); err != nil {
			return err
		}
	}
	_, err := jr.dec.Token() // ']'
	return err
}

// element reads one value that should be a device object, starting on
// line with byte c.
func (jr *jsonReader) element(line int, c byte) error {
	if c == '{' {
		var obj map[string]json.RawMessage
		if err := jr.dec.Decode(&obj); err != nil {
			return err
		}
		return jr.row(line, obj)
	}
	var raw json.RawMessage
	if err := jr.dec.Decode(&raw); err != nil {
		return err
	}
	jr.inv.rows++
	jr.inv.reject(&RowError{Line: line, Err: ErrNotObject})
	return nil
}

// nestedValue stands for a member whose value is an object or an array.
var nestedValue = json.RawMessage("{}")

// object reads the members of a top-level object whose '{' was read. A
// member "value" whose value is an array makes the object a Graph response:
// the array's elements are read as devices and wrapper is true.
func (jr *jsonReader) object() (obj map[string]json.RawMessage, wrapper bool, err error) {
	obj = map[string]json.RawMessage{}
	for jr.dec.More() {
		k, err := jr.dec.Token()
		if err != nil {
			return nil, false, err
		}
		key, _ := k.(string)
		v, err := jr.dec.Token()
		if err != nil {
			return nil, false, err
		}
		switch v {
		case json.Delim('['):
			if key == "value" {
				if err := jr.array(); err != nil {
					return nil, false, err
				}
				wrapper = true
				continue
			}
			fallthrough
		case json.Delim('{'):
			if err := jr.skip(); err != nil {
				return nil, false, err
			}
			obj[key] = nestedValue
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, false, err
		}
		obj[key] = raw
	}
	_, err = jr.dec.Token() // '}'
	return obj, wrapper, err
}

// skip reads to the end of the object or array whose opening was read.
func (jr *jsonReader) skip() error {
	for depth := 1; depth > 0; {
		tok, err := jr.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// next returns the line on which the next value starts and its first
// byte. The decoder has read that byte when More has returned true.
func (jr *jsonReader) next() (line int, c byte) {
	off := jr.lines.skip(jr.dec.InputOffset())
	return jr.lines.at(off), jr.lines.byteAt(off)
}

// row parses one device object and yields it, or rejects it.
func (jr *jsonReader) row(line int, obj map[string]json.RawMessage) error {
	inv := jr.inv
	inv.rows++
	d := &inv.row
	*d = hotpatch.Device{}
	if !inv.parseObject(line, obj, jr.known, d) {
		return nil
	}
	if !inv.finish(line, d, jr.yield) {
		return errStopped
	}
	return nil
}

func (inv *Inventory) parseObject(line int, obj map[string]json.RawMessage, known map[string]*parser, d *hotpatch.Device) bool {
	// Place each key at its field, then check the fields in schema order,
	// so that the row's first problem does not depend on map order.
	var at [numFields]string
	var dups map[field][]string // keys that give a field already given
	var ignored []string
	for k := range obj {
		p, ok := known[k]
		if !ok {
			if f := fieldAliases[fold(k)]; f != fieldNone {
				p = &parser{f: f, cache: map[string]parsed{}}
			} else {
				ignored = append(ignored, k)
			}
			known[k] = p
		}
		switch {
		case p == nil:
		case at[p.f] == "":
			at[p.f] = k
		default:
			if dups == nil {
				dups = map[field][]string{}
			}
			dups[p.f] = append(dups[p.f], k)
		}
	}
	if len(ignored) > 0 {
		slices.Sort(ignored)
		inv.ignored = append(inv.ignored, ignored[:min(len(ignored), max(0, 100-len(inv.ignored)))]...)
	}
	if len(dups) > 0 {
		f := slices.Min(slices.Collect(maps.Keys(dups)))
		ks := slices.Sorted(slices.Values(append(dups[f], at[f])))
		inv.reject(&RowError{Line: line, Column: ks[1],
			Err: fmt.Errorf("%q and %q both give %s", ks[0], ks[1], fields[f].name)})
		return false
	}
	for _, k := range at {
		if k == "" {
			continue
		}
		text, err := scalarText(obj[k])
		if err == nil {
			err = known[k].set(d, text)
		}
		if err != nil {
			inv.reject(&RowError{Line: line, Column: k, Err: err})
			return false
		}
	}
	return true
}

// scalarText returns the text of a JSON string, number or boolean; null is
// no text. An object or array is ErrNotScalar.
func scalarText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case 'n':
		return "", nil
	case '{', '[':
		return "", ErrNotScalar
	case '"':
		if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1]), nil
		}
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	return string(raw), nil // a number, true or false
}

// A lineTracker passes a reader's bytes to a JSON decoder and turns the
// decoder's input offsets into line numbers. It keeps only the bytes from
// the last offset asked about onward, so memory stays bounded however long
// the input. Offsets must be asked for in increasing order; an earlier one
// gets the line of the last.
type lineTracker struct {
	r    io.Reader
	buf  []byte // bytes read from r, from offset base on
	base int64
	line int // the line of offset base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// at returns the line of offset off.
func (t *lineTracker) at(off int64) int {
	if k := off - t.base; k > 0 {
		k = min(k, int64(len(t.buf)))
		t.line += bytes.Count(t.buf[:k], []byte{'\n'})
		t.buf = t.buf[k:]
		t.base += k
	}
	return t.line
}

// byteAt returns the byte at offset off, or 0 if it has not been read.
func (t *lineTracker) byteAt(off int64) byte {
	if i := off - t.base; i >= 0 && i < int64(len(t.buf)) {
		return t.buf[i]
	}
	return 0
}

// skip returns the offset of the first byte at or after off that is not
// space or a separator (',' or ':'), among the bytes read so far.
func (t *lineTracker) skip(off int64) int64 {
	for i := max(off-t.base, 0); i < int64(len(t.buf)); i++ {
		switch t.buf[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
		default:
			return t.base + i
		}
	}
	return t.base + int64(len(t.buf))
}
