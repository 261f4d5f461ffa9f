package difftest

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"pgregory.net/rapid"
)

// Config shapes generated images. The zero value gives small images
// suited to property tests.
type Config struct {
	MinFuncs, MaxFuncs int  // number of functions; default 1 to 24
	MaxBody            int  // maximum instructions per function body; default 24
	MaxData            int  // maximum data items; default 4 (0 means the default; use -1 for none)
	Exports            bool // export every function by name
	Symbols            bool // emit a COFF symbol table
}

func (c Config) withDefaults() Config {
	if c.MaxFuncs <= 0 {
		c.MaxFuncs = 24
	}
	if c.MinFuncs <= 0 {
		c.MinFuncs = 1
	}
	if c.MinFuncs > c.MaxFuncs {
		c.MaxFuncs = c.MinFuncs
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 24
	}
	switch {
	case c.MaxData == 0:
		c.MaxData = 4
	case c.MaxData < 0:
		c.MaxData = 0
	}
	return c
}

// source is where generation draws its choices: rapid while testing, a
// seeded PRNG for benchmarks.
type source interface {
	intn(n int) int // uniform in [0, n), n > 0
}

type rapidSource struct{ t *rapid.T }

func (s rapidSource) intn(n int) int { return rapid.IntRange(0, n-1).Draw(s.t, "") }

type randSource struct{ r *rand.Rand }

func (s randSource) intn(n int) int { return s.r.IntN(n) }

// ImageGen returns a rapid generator of valid images: functions with random
// bodies that call each other, branch, and load, store or point to the
// data items; some functions have chained unwind info; the layout options
// (function alignment, .xdata, image base) vary. Every function body is
// distinct, so that a differ that ignores names can still tell them apart.
func ImageGen(cfg Config) *rapid.Generator[*Image] {
	cfg = cfg.withDefaults()
	return rapid.Custom(func(t *rapid.T) *Image {
		return generate(rapidSource{t}, cfg)
	})
}

// RandomImage returns an image generated like [ImageGen]'s, deterministically
// from seed, without rapid: for benchmarks and large images.
func RandomImage(seed uint64, cfg Config) *Image {
	return generate(randSource{rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))}, cfg.withDefaults())
}

func generate(src source, cfg Config) *Image {
	im := &Image{Symbols: cfg.Symbols}
	if src.intn(3) == 0 {
		im.XData = true
	}
	im.FuncAlign = [...]uint32{16, 1, 4, 16}[src.intn(4)]
	if src.intn(4) == 0 {
		im.DLL = true
	}
	nfuncs := cfg.MinFuncs + src.intn(cfg.MaxFuncs-cfg.MinFuncs+1)
	ndata := src.intn(cfg.MaxData + 1)
	names := make([]string, nfuncs)
	for i := range names {
		names[i] = fmt.Sprintf("fn%d", i)
	}
	for i := 0; i < ndata; i++ {
		im.Data = append(im.Data, genData(src, fmt.Sprintf("data%d", i), names))
	}
	g := gen{src: src, cfg: cfg, im: im, names: names, seen: map[string]bool{}}
	im.Funcs = make([]Func, nfuncs)
	for i := range im.Funcs {
		im.Funcs[i] = g.function(names[i])
		im.Funcs[i].Export = cfg.Exports
	}
	return im
}

// genData draws a data item. Its contents mix the draws with a pattern
// derived from the name, so that items stay distinct from each other even
// when every draw is zero (as rapid's shrinking makes them): content that
// repeats its neighbours (runs of zeros) would make where an item moved
// ambiguous to a differ that has only the bytes.
func genData(src source, name string, funcs []string) Data {
	salt := fnv.New32a()
	salt.Write([]byte(name))
	// FNV-1a of names that differ in their last character differ mostly in
	// the low byte; mix it, so that every byte of the pattern differs.
	h := salt.Sum32()
	h ^= h >> 16
	h *= 0x7feb352d
	h ^= h >> 15
	h *= 0x846ca68b
	h ^= h >> 16
	pattern := func(i int) byte { return byte((h >> (8 * (i % 4))) + uint32(i)*167) }
	d := Data{Name: name, Bytes: make([]byte, 8*(1+src.intn(8)))}
	for i := range d.Bytes {
		d.Bytes[i] = byte(src.intn(256)) ^ pattern(i)
	}
	switch src.intn(4) {
	case 0:
		d.Writable = true
	case 1: // a pointer table into code: pointers in every other word, so
		// that the words between keep it distinct even when every pointer
		// goes to the same function
		for len(d.Bytes)%16 != 0 {
			d.Bytes = append(d.Bytes, pattern(len(d.Bytes)))
		}
		for off := 8; off < len(d.Bytes); off += 16 {
			d.Ptrs = append(d.Ptrs, Ptr{Offset: uint32(off), Target: funcs[src.intn(len(funcs))]})
		}
	case 2: // a string: any length, byte aligned, so data after it shifts by any amount
		d.Bytes = make([]byte, 4+src.intn(44))
		for i := range d.Bytes {
			d.Bytes[i] = byte(' ' + (src.intn(95)+int(pattern(i)))%95)
		}
		d.Bytes[len(d.Bytes)-1] = 0
		d.Align = 1
	}
	return d
}

// gen generates functions whose bodies are distinct from every body in seen.
type gen struct {
	src   source
	cfg   Config
	im    *Image
	names []string // functions that code may reference
	seen  map[string]bool
	tag   int32

	writable []int // indices of the writable data items, for len(im.Data) == ndata
	ndata    int
}

var nonvolatile = []Reg{RBX, RBP, RDI, RSI, R12, R13, R14, R15}

func (g *gen) function(name string) Func {
	src := g.src
	f := Func{Name: name, Frame: 8 * uint32(src.intn(24))}
	if src.intn(16) == 0 {
		f.Frame = 8 * uint32(0x200+src.intn(0x10000)) // UWOP_ALLOC_LARGE
	}
	for n := src.intn(3); len(f.Saved) < n; {
		r := nonvolatile[src.intn(len(nonvolatile))]
		if !containsReg(f.Saved, r) {
			f.Saved = append(f.Saved, r)
		}
	}
	n := src.intn(g.cfg.MaxBody + 1)
	f.Body = make([]Insn, n)
	for i := range f.Body {
		f.Body[i] = g.insn(n)
	}
	if n > 0 && src.intn(8) == 0 {
		f.Chain = 1 + src.intn(n)
	}
	g.makeUnique(&f)
	return f
}

func containsReg(rs []Reg, r Reg) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// makeUnique appends a mov of a fresh constant until f's code is new.
func (g *gen) makeUnique(f *Func) {
	for k := f.key(); g.seen[k]; k = f.key() {
		g.tag++
		f.Body = append(f.Body, Insn{Op: MovImm, Dst: RAX, Imm: 0x7EED0000 + g.tag})
	}
	g.seen[f.key()] = true
}

func (g *gen) reg() Reg {
	r := Reg(g.src.intn(15))
	if r >= RSP {
		r++ // never rsp: it belongs to the prologue and the unwinder
	}
	return r
}

func (g *gen) imm() int32 {
	switch g.src.intn(3) {
	case 0:
		return int32(g.src.intn(256) - 128)
	case 1:
		return int32(g.src.intn(1 << 16))
	default:
		return int32(uint32(g.src.intn(1<<16))<<16 | uint32(g.src.intn(1<<16)))
	}
}

// insn draws one instruction of a body of n instructions.
func (g *gen) insn(n int) Insn {
	src, data := g.src, g.im.Data
	if g.ndata != len(data) || g.writable == nil {
		g.ndata, g.writable = len(data), []int{}
		for i, d := range data {
			if d.Writable {
				g.writable = append(g.writable, i)
			}
		}
	}
	for {
		switch op := Op(src.intn(int(Raw))); op {
		case Nop:
			if src.intn(4) == 0 {
				return Insn{Op: Nop}
			}
		case MovImm, AddImm, CmpImm:
			return Insn{Op: op, Dst: g.reg(), Imm: g.imm()}
		case MovReg, AddReg, XorReg:
			return Insn{Op: op, Dst: g.reg(), Src: g.reg()}
		case Load:
			if len(data) > 0 {
				d := data[src.intn(len(data))]
				return Insn{Op: Load, Dst: g.reg(), Target: d.Name, Addend: int32(8 * src.intn(max(len(d.Bytes)/8, 1)))}
			}
		case Store:
			if len(g.writable) > 0 {
				d := data[g.writable[src.intn(len(g.writable))]]
				return Insn{Op: Store, Src: g.reg(), Target: d.Name, Addend: int32(8 * src.intn(max(len(d.Bytes)/8, 1)))}
			}
		case Lea, MovAbs:
			if len(data) > 0 && src.intn(2) == 0 {
				return Insn{Op: op, Dst: g.reg(), Target: data[src.intn(len(data))].Name}
			}
			return Insn{Op: op, Dst: g.reg(), Target: g.names[src.intn(len(g.names))]}
		case Call:
			return Insn{Op: Call, Target: g.names[src.intn(len(g.names))]}
		case Jmp:
			return Insn{Op: Jmp, Label: src.intn(n + 1)}
		case Jcc:
			return Insn{Op: Jcc, Cond: uint8(src.intn(16)), Label: src.intn(n + 1)}
		}
	}
}

// key is a canonical encoding of what f's code means: equal keys, equal
// normalized code. Names, exports and unwind chaining are not code.
func (f *Func) key() string {
	b := make([]byte, 0, 8+len(f.Saved)+len(f.Body)*16)
	b = binary.LittleEndian.AppendUint32(b, f.Frame)
	b = append(b, byte(len(f.Saved)))
	for _, r := range f.Saved {
		b = append(b, byte(r))
	}
	for _, in := range f.Body {
		in = in.canonical()
		b = append(b, byte(in.Op), byte(in.Dst), byte(in.Src), in.Cond)
		b = binary.LittleEndian.AppendUint32(b, uint32(in.Imm))
		b = binary.LittleEndian.AppendUint32(b, uint32(in.Label))
		b = binary.LittleEndian.AppendUint32(b, uint32(in.Addend))
		b = binary.AppendUvarint(b, uint64(len(in.Target)))
		b = append(b, in.Target...)
		b = binary.AppendUvarint(b, uint64(len(in.Bytes)))
		b = append(b, in.Bytes...)
	}
	return string(b)
}

// canonical returns in with the fields its Op does not encode zeroed.
func (in Insn) canonical() Insn {
	c := Insn{Op: in.Op}
	switch in.Op {
	case MovImm, AddImm, CmpImm:
		c.Dst, c.Imm = in.Dst, in.Imm
	case MovReg, AddReg, XorReg:
		c.Dst, c.Src = in.Dst, in.Src
	case Load, Lea, MovAbs:
		c.Dst, c.Target, c.Addend = in.Dst, in.Target, in.Addend
	case Store:
		c.Src, c.Target, c.Addend = in.Src, in.Target, in.Addend
	case Call, TailJmp:
		c.Target = in.Target
	case Jmp:
		c.Label = in.Label
	case Jcc:
		c.Cond, c.Label = in.Cond&15, in.Label
	case Raw:
		c.Bytes = in.Bytes
	}
	return c
}
