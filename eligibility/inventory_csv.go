package eligibility

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/patchmodel/patchmodel/hotpatch"
)

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
		} else {
			err = fmt.Errorf("eligibility: CSV inventory: %w", err)
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
			inv.err = fmt.Errorf("eligibility: CSV inventory: %w", b.err)
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
