package eligibility

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	valueStart int64 // the offset of the value being read, for ErrValueTooLong
}

// errStopped is returned up the call chain when the consumer stops early.
var errStopped = errors.New("stopped")

func (inv *Inventory) readJSON(yield func(hotpatch.Device) bool) {
	br := bufio.NewReader(inv.src) // its buffer is the lookahead of next
	skipBOM(br)
	lines := &lineTracker{r: br, line: 1, askedLine: 1}
	dec := json.NewDecoder(lines)
	dec.UseNumber()
	jr := &jsonReader{inv: inv, dec: dec, lines: lines, known: map[string]*parser{}, yield: yield}
	if err := jr.top(); err != nil && err != errStopped {
		inv.err = jr.readError(err)
	}
}

// readError locates an error that ended reading. Input that ends early is
// io.ErrUnexpectedEOF at the end of the input, never io.EOF, which callers
// take for success.
func (jr *jsonReader) readError(err error) *ReadError {
	if err == ErrEmpty {
		return &ReadError{Format: "JSON", Offset: -1, Err: err}
	}
	off := jr.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case err == ErrValueTooLong:
		off = jr.valueStart
	case errors.As(err, &se):
		off = se.Offset
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		err = io.ErrUnexpectedEOF
		off = jr.lines.end()
	}
	return &ReadError{Format: "JSON", Line: jr.lines.at(off), Offset: off, Err: err}
}

// top reads the top-level values: arrays of devices, device objects, or a
// Graph response. Only the first object can be a Graph response; it is
// walked token by token to find its "value" array without holding it.
func (jr *jsonReader) top() error {
	first := true
	for ; jr.dec.More(); first = false {
		if err := jr.inv.ctx.Err(); err != nil {
			return err
		}
		line, c := jr.next()
		if c == 0 {
			// The value starts beyond the lookahead (after a very long run
			// of spaces): read its first token to know what it is.
			if err := jr.topToken(first); err != nil {
				return err
			}
			continue
		}
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
			if err := jr.objectOrWrapper(line); err != nil {
				return err
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
	if first {
		return ErrEmpty
	}
	return nil
}

// topToken reads a top-level value by its first token.
func (jr *jsonReader) topToken(first bool) error {
	tok, err := jr.dec.Token()
	if err != nil {
		return err
	}
	line := jr.lines.at(jr.dec.InputOffset())
	switch tok {
	case json.Delim('['):
		return jr.array()
	case json.Delim('{'):
		if first {
			return jr.objectOrWrapper(line)
		}
		obj, _, err := jr.object(false)
		if err != nil {
			return err
		}
		return jr.row(line, obj)
	}
	jr.inv.rows++
	jr.inv.reject(&RowError{Line: line, Err: ErrNotObject})
	return nil
}

// objectOrWrapper reads a top-level object whose '{' was read: a device, or
// a Graph response whose "value" array holds the devices.
func (jr *jsonReader) objectOrWrapper(line int) error {
	obj, wrapper, err := jr.object(true)
	if err != nil || wrapper {
		return err
	}
	return jr.row(line, obj)
}

// array reads the elements of an array whose '[' was read, each a device.
func (jr *jsonReader) array() error {
	for n := 0; jr.dec.More(); n++ {
		if n%256 == 255 {
			if err := jr.inv.ctx.Err(); err != nil {
				return err
			}
		}
		if err := jr.element(jr.next()); err != nil {
			return err
		}
	}
	_, err := jr.dec.Token() // ']'
	return err
}

// element reads one value that should be a device object, starting on
// line with byte c; c is 0 when the value starts beyond the lookahead, and
// the value is read whole to know what it is.
func (jr *jsonReader) element(line int, c byte) error {
	jr.valueStart = jr.dec.InputOffset()
	if c == '{' {
		var obj map[string]json.RawMessage
		if err := jr.dec.Decode(&obj); err != nil {
			return err
		}
		if jr.dec.InputOffset()-jr.valueStart > MaxValueBytes {
			return ErrValueTooLong
		}
		return jr.row(line, obj)
	}
	var raw json.RawMessage
	if err := jr.dec.Decode(&raw); err != nil {
		return err
	}
	if jr.dec.InputOffset()-jr.valueStart > MaxValueBytes {
		return ErrValueTooLong
	}
	if c == 0 {
		line = jr.lines.at(jr.dec.InputOffset() - int64(len(raw)))
		if raw[0] == '{' {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil {
				return err
			}
			return jr.row(line, obj)
		}
	}
	jr.inv.rows++
	jr.inv.reject(&RowError{Line: line, Err: ErrNotObject})
	return nil
}

// nestedValue stands for a member whose value is an object or an array.
var nestedValue = json.RawMessage("{}")

// object reads the members of a top-level object whose '{' was read. If
// graph is true, a member "value" whose value is an array makes the object
// a Graph response: the array's elements are read as devices and wrapper is
// true.
func (jr *jsonReader) object(graph bool) (obj map[string]json.RawMessage, wrapper bool, err error) {
	obj = map[string]json.RawMessage{}
	start := jr.dec.InputOffset()
	var size int64 // bytes of the members other than the Graph "value"
	for jr.dec.More() {
		from := jr.dec.InputOffset()
		jr.lines.at(from) // the tracker need not keep what was walked
		if size > MaxValueBytes {
			jr.valueStart = start
			return nil, false, ErrValueTooLong
		}
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
			if graph && key == "value" {
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
			size += jr.dec.InputOffset() - from
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, false, err
		}
		obj[key] = raw
		size += jr.dec.InputOffset() - from
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
		jr.lines.at(jr.dec.InputOffset()) // the tracker need not keep what was walked
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
// byte, which the decoder may not have read yet: More stops at a comma.
// The byte is 0 if it lies beyond the lookahead.
func (jr *jsonReader) next() (line int, c byte) {
	off, c := jr.lines.skip(jr.dec.InputOffset())
	return jr.lines.at(off), c
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
	// so that the row's problems do not depend on map order.
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
		inv.ignored = append(inv.ignored, ignored[:min(len(ignored), max(0, maxIgnored-len(inv.ignored)))]...)
	}
	var bad []CellError
	for f, k := range at {
		if k == "" {
			continue
		}
		if ks := dups[field(f)]; dups != nil && ks != nil {
			ks = slices.Sorted(slices.Values(append(ks, k)))
			bad = append(bad, CellError{ks[1], fmt.Errorf("%q and %q both give %s", ks[0], ks[1], fields[f].name)})
			continue
		}
		text, err := scalarText(obj[k])
		if err == nil {
			err = known[k].set(d, text)
		}
		if err != nil {
			bad = append(bad, CellError{k, err})
			if field(f) == fieldOS {
				break // the other fields describe a device out of scope
			}
		}
	}
	return !inv.rejectCells(line, bad)
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
// the input, and looks ahead of the decoder in r's buffer. Offsets must be
// asked for in increasing order; an earlier one gets the line of the last.
type lineTracker struct {
	r    *bufio.Reader
	buf  []byte // bytes the decoder has read, from offset base on
	base int64
	line int // the line of offset base

	asked     int64 // the last offset asked about, and its line
	askedLine int
}

func (t *lineTracker) Read(p []byte) (int, error) {
	// The tracker keeps what the decoder read since the start of the
	// current value, and the decoder holds the value: stop a value far too
	// long here. Reads are short enough that only a value longer than
	// MaxValueBytes gets here, which element rejects anyway, so the
	// outcome does not depend on the chunks the input comes in.
	if len(t.buf) > 2*MaxValueBytes {
		return 0, ErrValueTooLong
	}
	n, err := t.r.Read(p[:min(len(p), MaxValueBytes)])
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// end returns the offset just past the bytes the decoder has read.
func (t *lineTracker) end() int64 { return t.base + int64(len(t.buf)) }

// at returns the line of offset off, or of the last offset asked about if
// that is later.
func (t *lineTracker) at(off int64) int {
	if off <= t.asked {
		return t.askedLine
	}
	t.asked, t.askedLine = off, t.lineOf(off)
	return t.askedLine
}

func (t *lineTracker) lineOf(off int64) int {
	k := off - t.base
	n := min(k, int64(len(t.buf)))
	t.line += bytes.Count(t.buf[:n], []byte{'\n'})
	t.buf = t.buf[n:]
	t.base += n
	if k -= n; k == 0 {
		return t.line
	}
	// Past what the decoder has read: count in the lookahead.
	ahead, _ := t.r.Peek(int(min(k, int64(t.r.Buffered()))))
	return t.line + bytes.Count(ahead, []byte{'\n'})
}

// skip returns the offset of the first byte at or after off that is not
// space or a separator (',' or ':'), and that byte. It looks past the
// bytes the decoder has read into r's buffer; if the byte is not there
// either (the input ends, or the spaces fill the buffer), c is 0.
func (t *lineTracker) skip(off int64) (at int64, c byte) {
	i := max(off-t.base, 0)
	for ; i < int64(len(t.buf)); i++ {
		if !isSeparator(t.buf[i]) {
			return t.base + i, t.buf[i]
		}
	}
	end := t.end()
	for j := int(i - int64(len(t.buf))); ; j++ {
		ahead, _ := t.r.Peek(j + 1)
		if len(ahead) <= j {
			return end + int64(j), 0
		}
		if !isSeparator(ahead[j]) {
			return end + int64(j), ahead[j]
		}
	}
}

func isSeparator(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ':':
		return true
	}
	return false
}
