// Package ehframe reads the function ranges of an ELF .eh_frame section:
// the initial location and address range of every Frame Description
// Entry (FDE). That is how a differ finds the functions of a stripped
// executable: every function the compiler emitted unwind information for
// has an FDE.
//
// The format is the one the Linux Standard Base specifies for .eh_frame
// (LSB Core, "Exception Frames"), a variant of DWARF call frame
// information (DWARF 4 §6.4.1): a sequence of Common Information Entries
// (CIE) and FDEs, each with a 32-bit length (0xffffffff introduces a
// 64-bit length) and an id (0 for a CIE; otherwise the distance back to
// the FDE's CIE); a CIE's augmentation string ("zR", "zPLR", …) says how
// the FDE's addresses are encoded (DW_EH_PE_* pointer encodings). A zero
// length terminates the section.
//
// Parsing is bounded by the section's bytes: a malformed entry yields an
// error for that entry, and the walk stops or skips it; nothing is
// allocated beyond one FDE per 16 bytes of input.
package ehframe

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Pointer encodings (DW_EH_PE_*), from the LSB.
const (
	DW_EH_PE_absptr   = 0x00
	DW_EH_PE_uleb128  = 0x01
	DW_EH_PE_udata2   = 0x02
	DW_EH_PE_udata4   = 0x03
	DW_EH_PE_udata8   = 0x04
	DW_EH_PE_sleb128  = 0x09
	DW_EH_PE_sdata2   = 0x0A
	DW_EH_PE_sdata4   = 0x0B
	DW_EH_PE_sdata8   = 0x0C
	DW_EH_PE_pcrel    = 0x10
	DW_EH_PE_textrel  = 0x20
	DW_EH_PE_datarel  = 0x30
	DW_EH_PE_funcrel  = 0x40
	DW_EH_PE_aligned  = 0x50
	DW_EH_PE_indirect = 0x80
	DW_EH_PE_omit     = 0xFF
)

// FDE is the code range one Frame Description Entry covers.
type FDE struct {
	Begin uint64 // initial location (address)
	Size  uint64 // address range
	Off   int    // offset of the FDE in the section
}

// Error reports a malformed entry.
type Error struct {
	Off int    // offset of the entry in the section
	Msg string // what was wrong
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("eh_frame entry at %#x: %s", e.Off, e.Msg) }

var errTruncated = errors.New("truncated")

// cie is what an FDE needs of its CIE.
type cie struct {
	fdeEnc   byte
	ptrBytes int
}

// Parse returns the FDEs of section data loaded at address addr, with
// 8-byte (64-bit) or 4-byte absolute pointers. Malformed entries are
// returned as errors (at most a few) beside the FDEs read; the walk stops
// at the first entry whose length cannot be trusted.
func Parse(data []byte, addr uint64, ptrBytes int) ([]FDE, []error) {
	var fdes []FDE
	var errs []error
	cies := map[int]*cie{}
	fail := func(off int, msg string) {
		if len(errs) < 8 {
			errs = append(errs, &Error{Off: off, Msg: msg})
		}
	}
	for off := 0; off+4 <= len(data); {
		start := off
		length := uint64(binary.LittleEndian.Uint32(data[off:]))
		off += 4
		if length == 0 {
			break // terminator
		}
		if length == 0xffffffff {
			if off+8 > len(data) {
				fail(start, "truncated 64-bit length")
				break
			}
			length = binary.LittleEndian.Uint64(data[off:])
			off += 8
		}
		if length > uint64(len(data)-off) || length < 4 {
			fail(start, fmt.Sprintf("length %#x past the section end", length))
			break
		}
		body := data[off : off+int(length)]
		next := off + int(length)
		id := binary.LittleEndian.Uint32(body)
		if id == 0 {
			c, err := parseCIE(body[4:], ptrBytes)
			if err != nil {
				fail(start, "CIE: "+err.Error())
			} else {
				cies[start] = c
			}
			off = next
			continue
		}
		// The CIE pointer is the distance from this field back to the CIE.
		cieOff := off - int(id)
		c := cies[cieOff]
		if c == nil && cieOff >= 0 && cieOff < start {
			c = lookupCIE(data, cieOff, ptrBytes, cies)
		}
		if c == nil {
			fail(start, fmt.Sprintf("FDE names no CIE at %#x", cieOff))
			off = next
			continue
		}
		r := reader{p: body, off: 4, base: addr + uint64(off), ptrBytes: c.ptrBytes}
		begin, err := r.pointer(c.fdeEnc)
		if err != nil {
			fail(start, "FDE initial location: "+err.Error())
			off = next
			continue
		}
		size, err := r.pointer(c.fdeEnc & 0x0F) // the range is a plain value
		if err != nil {
			fail(start, "FDE address range: "+err.Error())
			off = next
			continue
		}
		if size > 0 {
			fdes = append(fdes, FDE{Begin: begin, Size: size, Off: start})
		}
		off = next
	}
	return fdes, errs
}

// lookupCIE parses the CIE at off if none was seen there yet (CIEs usually
// precede their FDEs, but need not).
func lookupCIE(data []byte, off, ptrBytes int, cies map[int]*cie) *cie {
	if off+8 > len(data) {
		return nil
	}
	length := int(binary.LittleEndian.Uint32(data[off:]))
	if length < 4 || length > len(data)-off-4 || binary.LittleEndian.Uint32(data[off+4:]) != 0 {
		return nil
	}
	c, err := parseCIE(data[off+8:off+4+length], ptrBytes)
	if err != nil {
		return nil
	}
	cies[off] = c
	return c
}

func parseCIE(p []byte, ptrBytes int) (*cie, error) {
	r := reader{p: p, ptrBytes: ptrBytes}
	version, err := r.byte()
	if err != nil {
		return nil, err
	}
	if version != 1 && version != 3 && version != 4 {
		return nil, fmt.Errorf("version %d", version)
	}
	aug, err := r.cstring()
	if err != nil {
		return nil, err
	}
	c := &cie{fdeEnc: DW_EH_PE_absptr, ptrBytes: ptrBytes}
	if len(aug) >= 2 && aug[:2] == "eh" {
		if _, err := r.fixed(ptrBytes); err != nil {
			return nil, err
		}
	}
	if version == 4 {
		if _, err := r.fixed(2); err != nil { // address_size, segment_size
			return nil, err
		}
	}
	if _, err := r.uleb(); err != nil { // code alignment
		return nil, err
	}
	if _, err := r.sleb(); err != nil { // data alignment
		return nil, err
	}
	if version == 1 {
		_, err = r.byte()
	} else {
		_, err = r.uleb()
	}
	if err != nil { // return address register
		return nil, err
	}
	if len(aug) == 0 || aug[0] != 'z' {
		return c, nil // no augmentation data: absolute pointers
	}
	n, err := r.uleb()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.p)-r.off) {
		return nil, fmt.Errorf("augmentation data of %d bytes past the entry", n)
	}
	for _, ch := range aug[1:] {
		switch ch {
		case 'L':
			if _, err := r.byte(); err != nil {
				return nil, err
			}
		case 'R':
			if c.fdeEnc, err = r.byte(); err != nil {
				return nil, err
			}
		case 'P':
			enc, err := r.byte()
			if err != nil {
				return nil, err
			}
			if _, err := r.pointer(enc); err != nil {
				return nil, err
			}
		case 'S', 'B', 'G':
		default:
			return c, nil // unknown augmentation: the data length lets the FDEs still be read
		}
	}
	return c, nil
}

// reader decodes the fields of one entry. base is the address of p[0],
// for pc-relative pointers.
type reader struct {
	p        []byte
	off      int
	base     uint64
	ptrBytes int
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.p) {
		return 0, errTruncated
	}
	r.off++
	return r.p[r.off-1], nil
}

func (r *reader) fixed(n int) (uint64, error) {
	if n > len(r.p)-r.off {
		return 0, errTruncated
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(r.p[r.off+i])
	}
	r.off += n
	return v, nil
}

func (r *reader) cstring() (string, error) {
	for i := r.off; i < len(r.p); i++ {
		if r.p[i] == 0 {
			s := string(r.p[r.off:i])
			r.off = i + 1
			return s, nil
		}
	}
	return "", errTruncated
}

func (r *reader) uleb() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

func (r *reader) sleb() (int64, error) {
	var v int64
	var shift uint
	for {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

// pointer decodes a pointer with encoding enc. Text-, data- and
// function-relative encodings are not used in .eh_frame FDEs by GCC or
// LLVM and are reported as errors; indirect pointers are returned as the
// address of the slot.
func (r *reader) pointer(enc byte) (uint64, error) {
	if enc == DW_EH_PE_omit {
		return 0, nil
	}
	at := r.base + uint64(r.off)
	var v uint64
	var err error
	switch enc & 0x0F {
	case DW_EH_PE_absptr:
		v, err = r.fixed(r.ptrBytes)
	case DW_EH_PE_uleb128:
		v, err = r.uleb()
	case DW_EH_PE_udata2:
		v, err = r.fixed(2)
	case DW_EH_PE_udata4:
		v, err = r.fixed(4)
	case DW_EH_PE_udata8:
		v, err = r.fixed(8)
	case DW_EH_PE_sleb128:
		var s int64
		s, err = r.sleb()
		v = uint64(s)
	case DW_EH_PE_sdata2:
		v, err = r.fixed(2)
		v = uint64(int64(int16(v)))
	case DW_EH_PE_sdata4:
		v, err = r.fixed(4)
		v = uint64(int64(int32(v)))
	case DW_EH_PE_sdata8:
		v, err = r.fixed(8)
	default:
		return 0, fmt.Errorf("pointer encoding %#x", enc)
	}
	if err != nil {
		return 0, err
	}
	switch enc & 0x70 {
	case 0:
	case DW_EH_PE_pcrel:
		v += at
	default:
		return 0, fmt.Errorf("pointer application %#x", enc&0x70)
	}
	if r.ptrBytes == 4 {
		v &= 0xffffffff
	}
	return v, nil
}
