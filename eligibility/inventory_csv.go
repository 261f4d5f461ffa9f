package eligibility

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// csvBufSize is the size of the CSV reader's buffer.
const csvBufSize = 64 << 10

func (inv *Inventory) readCSV(yield func(hotpatch.Device) bool) {
	lim := &sizeLimit{r: inv.src, left: MaxHeaderBytes + csvBufSize + 3, eol: '\n'}
	br := bufio.NewReaderSize(lim, csvBufSize)
	skipBOM(br)
	var src io.Reader = br
	if crOnly(br) {
		src = crToLF{br}
		lim.eol = '\r'
		buf, _ := br.Peek(br.Buffered()) // the bytes read so far, after the BOM
		lim.run = int64(len(buf) - 1 - bytes.LastIndexByte(buf, '\r'))
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := readHeader(cr)
	lim.left = -1 // from here on, only each line's length is limited
	if err != nil {
		inv.err = err
		return
	}
	ps, err := inv.columns(header)
	if err != nil {
		inv.err = &ReadError{Format: "CSV", Line: 1, Offset: -1, Err: err}
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
	for {
		// Waiting here, not in the splitting goroutine, a cancelled
		// context returns even while a Read blocks; that goroutine ends
		// when the Read returns.
		var b *csvBatch
		select {
		case b = <-batches:
		case <-inv.ctx.Done():
		}
		if err := inv.ctx.Err(); err != nil {
			inv.err = &ReadError{Format: "CSV", Line: b.firstLine(), Offset: -1, Err: err}
			return
		}
		if b == nil {
			return // the input ended
		}
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

// readHeader reads the header record and checks its size.
func readHeader(cr *csv.Reader) ([]string, error) {
	fail := func(line int, err error) ([]string, error) {
		return nil, &ReadError{Format: "CSV", Line: line, Offset: -1, Err: err}
	}
	tooLong := func() ([]string, error) {
		return fail(1, fmt.Errorf("%w: longer than %d bytes: not an inventory?; %s", ErrHeader, MaxHeaderBytes, acceptedColumns()))
	}
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return fail(0, ErrEmpty)
	case errors.Is(err, errHeaderTooLong):
		return tooLong()
	case errors.As(err, &pe):
		return fail(pe.Line, fmt.Errorf("%w: %w", ErrHeader, pe.Err))
	case err != nil:
		return nil, &ReadError{Format: "CSV", Offset: cr.InputOffset(), Err: err}
	case cr.InputOffset() > MaxHeaderBytes:
		return tooLong()
	case len(header) > MaxHeaderColumns:
		return fail(1, fmt.Errorf("%w: %d columns, at most %d are read", ErrHeader, len(header), MaxHeaderColumns))
	}
	return slices.Clone(header), nil
}

// errHeaderTooLong is a sizeLimit's read error while the header is read.
var errHeaderTooLong = errors.New("header too long")

// A sizeLimit bounds what the CSV reader can hold as one record, so that a
// file without line ends (or a crafted one) cannot fill memory: the header
// may take MaxHeaderBytes (plus a buffer's read-ahead), and no line after
// it more than MaxLineBytes. A line ends in eol: '\n', or '\r' in a file
// with CR-only line ends.
type sizeLimit struct {
	r    io.Reader
	left int64 // bytes the header may still take; -1 once it is read
	run  int64 // bytes since the last line end
	eol  byte
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if l.left == 0 {
		return 0, errHeaderTooLong
	}
	// A read no longer than a line may be has no whole line too long.
	p = p[:min(len(p), MaxLineBytes)]
	if l.left > 0 {
		p = p[:min(int64(len(p)), l.left)]
	}
	n, err := l.r.Read(p)
	if l.left > 0 {
		l.left -= int64(n)
	}
	chunk := p[:n]
	run := l.run + int64(n)
	if i := bytes.IndexByte(chunk, l.eol); i >= 0 {
		run = l.run + int64(i) // the line that ends here
		l.run = int64(n - 1 - bytes.LastIndexByte(chunk, l.eol))
	} else {
		l.run = run
	}
	if run > MaxLineBytes && l.left < 0 {
		// The reader never sees the rest of the line, so that the records
		// before it are read whatever the chunks.
		return 0, ErrLineTooLong
	}
	return n, err
}

// crOnly reports whether the first line of br ends in a lone carriage
// return, as in files saved with classic Mac OS line ends: encoding/csv
// would read such a file as one line. It reads only as far as the first
// line end (or br's buffer).
func crOnly(br *bufio.Reader) bool {
	scanned := 0
	for {
		buf, _ := br.Peek(br.Buffered())
		if i := bytes.IndexAny(buf[scanned:], "\r\n"); i >= 0 {
			i += scanned
			if buf[i] == '\n' {
				return false
			}
			if i+1 < len(buf) {
				return buf[i+1] != '\n'
			}
			scanned = i // the CR is the last byte so far: look past it
		} else {
			scanned = len(buf)
		}
		if len(buf) == br.Size() {
			return false
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			buf, _ = br.Peek(br.Buffered())
			return len(buf) > 0 && scanned == len(buf)-1 && buf[scanned] == '\r'
		}
	}
}

// crToLF turns every carriage return into a newline.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// A csvBatch is a run of CSV records: each row's fields are
// cells[start:end], or err says why the record did not parse. A batch with
// a non-nil err ends the stream.
type csvBatch struct {
	rows  []csvRecord
	cells []string
	err   *ReadError
}

// firstLine returns the line of the batch's first record, 0 if it has none
// or b is nil.
func (b *csvBatch) firstLine() int {
	if b == nil || len(b.rows) == 0 {
		return 0
	}
	return b.rows[0].line
}

type csvRecord struct {
	line       int
	start, end int
	err        error
	endLine    int // for a record with an error, the line it ends on
}

const csvBatchRows = 512

// splitCSV reads records from cr into batches until the input ends, an I/O
// error occurs or done is closed. It reuses the batches that come back on
// free.
func splitCSV(cr *csv.Reader, out chan<- *csvBatch, free <-chan *csvBatch, done <-chan struct{}) {
	defer close(out)
	b := &csvBatch{}
	last := 1 // the line of the last record read
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
		// A full batch is sent before the next record is added, so that
		// the last record is still here at the end of the input.
		if len(b.rows) == csvBatchRows && !send() {
			return
		}
		if err != nil {
			// Declared here, not per record: errors.As makes it escape.
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				b.err = &ReadError{Format: "CSV", Offset: cr.InputOffset(),
					Err: fmt.Errorf("after the record on line %d: %w", last, err)}
				send()
				return
			}
			b.rows = append(b.rows, csvRecord{line: pe.StartLine, endLine: pe.Line, err: pe.Err})
		} else {
			line, _ := cr.FieldPos(0)
			last = line
			start := len(b.cells)
			b.cells = append(b.cells, rec...)
			b.rows = append(b.rows, csvRecord{line: line, start: start, end: len(b.cells)})
		}
	}
	// A quote error on a record that spans lines up to the end of the input
	// is a quote never closed: it swallowed the rest of the file.
	if n := len(b.rows); n > 0 && b.rows[n-1].err == csv.ErrQuote && b.rows[n-1].endLine > b.rows[n-1].line {
		r := b.rows[n-1]
		b.rows = b.rows[:n-1]
		b.err = &ReadError{Format: "CSV", Line: r.line, Offset: -1, Err: fmt.Errorf(
			"%w: it opens in the record on line %d, so lines %d to %d (the end of the file) would be one field",
			ErrUnclosedQuote, r.line, r.line, r.endLine)}
	}
	if len(b.rows) > 0 || b.err != nil {
		send()
	}
}

// parseRow parses the cells of a row and rejects it with every bad cell,
// in schema order (see fields), so that the report does not depend on the
// order of the columns. A phone is "not a Windows device" and nothing more:
// its other cells do not describe a Windows device.
func (inv *Inventory) parseRow(line int, ps []*parser, header, rec []string, d *hotpatch.Device) bool {
	var bad []CellError
	for _, i := range inv.order {
		if err := ps[i].set(d, rec[i]); err != nil {
			bad = append(bad, CellError{header[i], err})
			if ps[i].f == fieldOS {
				break // the other cells describe a device out of scope
			}
		}
	}
	return !inv.rejectCells(line, bad)
}
