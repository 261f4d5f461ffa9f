package binarydiff

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"maps"
	"slices"
	"strings"
)

// gotReads returns, for the functions of an ELF image, the functions
// whose GOT slots among sym (slot RVA → address) each reaches through a
// RIP-relative operand: a load of a function's address from its
// R_X86_64_GLOB_DAT slot, or a call through a PLT stub that jumps through
// its R_X86_64_JUMP_SLOT slot (the stub is attributed to its callers: a
// linker's .plt is often one function to discovery, every stub in it).
// Position-independent code reaches a function of its own shared object
// that way when the function may be preempted (a template instance, any
// default-visibility symbol), and the fingerprint records such a read like
// a call to an import: by the slot's symbol name, not as a reference to the
// function. Without these edges the referrer passes see no one use it.
//
// The code is scanned for the instruction forms that do it (REX.W MOV r64
// from [RIP+disp32]; JMP or CALL through [RIP+disp32]; CALL or JMP rel32
// to a stub), whose displacement ends the instruction; a byte sequence
// that only looks like one would also have to land exactly on a slot of
// sym or on a stub.
func gotReads(b *Binary, sym map[uint32]uint64) *callerIndex {
	if b.elf == nil || len(sym) == 0 {
		return nil
	}
	// Slots and stubs are looked up through bucketed indexes (the scan
	// meets millions of candidate operands).
	slotFn := make(map[uint32]int32, len(sym))
	for rva, va := range sym {
		if va >= b.ImageBase && va-b.ImageBase < 1<<32 {
			slotFn[rva] = int32(b.functionStart(uint32(va - b.ImageBase)))
		}
	}
	slots := newAddrIndex(slotFn)
	// The stubs first, from the PLT sections (.plt, .plt.sec, .plt.got):
	// then one pass over all the code finds both kinds of reads.
	stubs := map[uint32]int32{} // PLT stub RVA → the function its slot holds
	for _, f := range b.Functions {
		if s := b.Section(f.RVA); s == nil || !strings.HasPrefix(s.Name, ".plt") {
			continue
		}
		code, err := b.bytesAt(f.RVA, f.Size)
		if err != nil {
			continue
		}
		for k := 0; k+6 <= len(code); k++ {
			if code[k] == 0xff && code[k+1] == 0x25 {
				t, ok := ripTarget(f.RVA, code, k+6)
				if fn := slots.get(t, ok); fn >= 0 {
					stubs[f.RVA+uint32(stubStart(code, k))] = fn
				}
			}
		}
	}
	at := newAddrIndex(stubs)
	// The scan visits readers in order: their edges go straight into the
	// index.
	c := &callerIndex{start: make([]int32, len(b.Functions)+1)}
	for i, f := range b.Functions {
		c.start[i] = int32(len(c.ids))
		code, err := b.bytesAt(f.RVA, f.Size)
		if err != nil {
			continue
		}
		for k := 0; k+5 <= len(code); k++ {
			var fn int32 = -1
			switch c := code[k]; {
			case c == 0xe8 || c == 0xe9:
				t, ok := ripTarget(f.RVA, code, k+5)
				fn = at.get(t, ok)
			case c == 0xff && code[k+1] == 0x15 && k+6 <= len(code):
				t, ok := ripTarget(f.RVA, code, k+6)
				fn = slots.get(t, ok)
			case c&0xf8 == 0x48 && code[k+1] == 0x8b && code[k+2]&0xc7 == 0x05 && k+7 <= len(code):
				t, ok := ripTarget(f.RVA, code, k+7)
				fn = slots.get(t, ok)
			}
			if fn >= 0 {
				c.ids = append(c.ids, fn)
			}
		}
	}
	c.start[len(b.Functions)] = int32(len(c.ids))
	return c
}

// stubStart returns where the PLT stub whose JMP is at code[k] starts:
// before BND and ENDBR64 when the linker adds them.
func stubStart(code []byte, k int) int {
	if k >= 1 && code[k-1] == 0xf2 {
		k--
	}
	if k >= 4 && bytes.Equal(code[k-4:k], []byte{0xf3, 0x0f, 0x1e, 0xfa}) {
		k -= 4
	}
	return k
}

// addrIndex maps addresses to function indices through an rvaIndex,
// whose buckets stay few however far apart a malformed file spreads the
// addresses (a table over their range could take gigabytes).
type addrIndex struct {
	x  rvaIndex
	fn []int32 // by index of the address in x
}

func newAddrIndex(m map[uint32]int32) *addrIndex {
	keys := slices.Sorted(maps.Keys(m))
	a := &addrIndex{fn: make([]int32, len(keys))}
	for i, k := range keys {
		a.fn[i] = m[k]
	}
	a.x.index(keys)
	return a
}

// get returns the function at rva, or -1; ok false means no address.
func (a *addrIndex) get(rva uint32, ok bool) int32 {
	if !ok {
		return -1
	}
	if i := a.x.find(rva); i >= 0 {
		return a.fn[i]
	}
	return -1
}

// ripTarget returns the RVA that the 32-bit displacement ending at
// code[end] reaches, relative to the end of its instruction at rva+end.
func ripTarget(rva uint32, code []byte, end int) (uint32, bool) {
	t := int64(rva) + int64(end) + int64(int32(binary.LittleEndian.Uint32(code[end-4:])))
	return uint32(t), t >= 0 && t < 1<<32
}

// gotEdges returns the extra referrer edges of b's functions (see
// referrers): function i refers to the functions whose GOT slots it reads
// (see gotReads). It does nothing for an image without such slots.
func gotEdges(b *Binary) func(i int, f func(t int32)) {
	reads := gotReads(b, symbolPointers(b, elf.R_X86_64_GLOB_DAT, elf.R_X86_64_JMP_SLOT))
	return func(i int, f func(t int32)) {
		if reads == nil {
			return
		}
		for _, t := range reads.of(i) {
			if t >= 0 {
				f(t)
			}
		}
	}
}

// symbolPointers returns the addresses that the symbolic dynamic
// relocations of types of an ELF shared object or executable put in
// their slots (symbol value + addend, by slot RVA; see elfImage.symSlots):
// the file holds 0 there. A vtable of a shared object fills its slots so
// for the virtual functions it exports, and its code reaches them through
// the GOT. The address is structure, not a name: the dynamic linker
// needs it whatever Options.IgnoreSymbols says.
func symbolPointers(b *Binary, types ...elf.R_X86_64) map[uint32]uint64 {
	im := b.elf
	if im == nil || im.rel {
		return nil
	}
	out := map[uint32]uint64{}
	for _, sl := range im.symSlots {
		if slices.Contains(types, sl.typ) {
			out[sl.rva] = sl.va
		}
	}
	return out
}
