package binarydiff_test

import (
	"bytes"
	"context"
	"debug/pe"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/patchmodel/patchmodel/binarydiff"
	"github.com/patchmodel/patchmodel/binarydiff/difftest"
)

// loadConfig64 returns an IMAGE_LOAD_CONFIG_DIRECTORY64 of size bytes with
// the fields the tests read, at the offsets of winnt.h (Windows SDK
// 10.0.26100.0).
func loadConfig64(size uint32, guard uint32, chpe uint64, hotpatch uint32) []byte {
	p := make([]byte, max(size, 0x148))
	binary.LittleEndian.PutUint32(p[0:], size)
	binary.LittleEndian.PutUint16(p[8:], 10)
	binary.LittleEndian.PutUint64(p[0x58:], 0x140003000) // SecurityCookie
	binary.LittleEndian.PutUint32(p[0x90:], guard)
	binary.LittleEndian.PutUint64(p[0xC8:], chpe)
	binary.LittleEndian.PutUint32(p[0xF0:], hotpatch)
	return p[:size]
}

func TestParseLoadConfig(t *testing.T) {
	lc, warns, err := binarydiff.ParseLoadConfig(loadConfig64(0x148, binarydiff.IMAGE_GUARD_CF_INSTRUMENTED, 0x140009000, 0x5000), true)
	if err != nil || len(warns) > 0 {
		t.Fatal(err, warns)
	}
	if !lc.CFG() || lc.CHPEMetadataPointer != 0x140009000 || lc.HotPatchTableOffset != 0x5000 || lc.SecurityCookie != 0x140003000 || lc.MajorVersion != 10 {
		t.Errorf("%+v", lc)
	}
	// An older, shorter directory: fields past its Size read as zero.
	lc, _, err = binarydiff.ParseLoadConfig(loadConfig64(0x94, 0x100, 0x140009000, 0x5000), true)
	if err != nil || lc.GuardFlags != 0x100 || lc.CHPEMetadataPointer != 0 || lc.HotPatchTableOffset != 0 {
		t.Errorf("Size 0x94: %+v %v", lc, err)
	}
	// A Size beyond the bytes present is clipped, with a warning.
	p := loadConfig64(0x148, 0, 0, 0x5000)
	binary.LittleEndian.PutUint32(p, 0x10000)
	lc, warns, err = binarydiff.ParseLoadConfig(p, true)
	if err != nil || len(warns) != 1 || lc.Size != 0x148 || lc.HotPatchTableOffset != 0x5000 {
		t.Errorf("bogus Size: %+v %v %v", lc, warns, err)
	}
	// A Size too small for itself is an error.
	var fe *binarydiff.FormatError
	if _, _, err := binarydiff.ParseLoadConfig([]byte{2, 0, 0, 0, 0, 0}, true); !errors.As(err, &fe) {
		t.Errorf("Size 2: %v", err)
	}
	// 32-bit layout: HotPatchTableOffset at 0x94, CHPE at 0x7C, GuardFlags at 0x58.
	p32 := make([]byte, 0xC4)
	binary.LittleEndian.PutUint32(p32, 0xC4)
	binary.LittleEndian.PutUint32(p32[0x58:], 0x500)
	binary.LittleEndian.PutUint32(p32[0x7C:], 0x401000)
	binary.LittleEndian.PutUint32(p32[0x94:], 0x3000)
	lc, _, err = binarydiff.ParseLoadConfig(p32, false)
	if err != nil || lc.GuardFlags != 0x500 || lc.CHPEMetadataPointer != 0x401000 || lc.HotPatchTableOffset != 0x3000 {
		t.Errorf("32-bit: %+v %v", lc, err)
	}
}

// hotPatchInfo returns an IMAGE_HOT_PATCH_INFO (version 2) naming one base.
func hotPatchInfo(seq, stamp, checksum uint32) []byte {
	p := make([]byte, 0x40)
	le := binary.LittleEndian
	le.PutUint32(p[0:], 2)      // Version
	le.PutUint32(p[4:], 0x40)   // Size
	le.PutUint32(p[8:], seq)    // SequenceNumber
	le.PutUint32(p[0xC:], 0x18) // BaseImageList
	le.PutUint32(p[0x10:], 1)   // BaseImageCount
	le.PutUint32(p[0x18:], 0x20)
	le.PutUint32(p[0x20:], seq)
	le.PutUint32(p[0x24:], 0x3) // OBLIGATORY | CAN_ROLL_BACK
	le.PutUint32(p[0x28:], stamp)
	le.PutUint32(p[0x2C:], checksum)
	return p
}

func TestParseHotPatchInfo(t *testing.T) {
	hi, err := binarydiff.ParseHotPatchInfo(hotPatchInfo(7, 0x5f000000, 0x1234))
	if err != nil {
		t.Fatal(err)
	}
	if hi.Version != 2 || hi.SequenceNumber != 7 || len(hi.Bases) != 1 || hi.Bases[0].OriginalTimeDateStamp != 0x5f000000 || hi.Bases[0].OriginalCheckSum != 0x1234 || hi.Bases[0].Flags != 3 {
		t.Errorf("%+v", hi)
	}
	bad := hotPatchInfo(7, 1, 2)
	binary.LittleEndian.PutUint32(bad[0x10:], 1<<30) // absurd base count
	if _, err := binarydiff.ParseHotPatchInfo(bad); err == nil {
		t.Error("absurd base count accepted")
	}
	bad = hotPatchInfo(7, 1, 2)
	binary.LittleEndian.PutUint32(bad[4:], 1<<20) // Size past the bytes
	if _, err := binarydiff.ParseHotPatchInfo(bad); err == nil {
		t.Error("Size past the table accepted")
	}
}

// withLoadConfig builds im with two extra read-only data items, a load
// configuration and a hotpatch table, and points the load config data
// directory at the first.
func withLoadConfig(t *testing.T, im *difftest.Image, chpe uint64, hotpatch bool) []byte {
	t.Helper()
	im = im.Clone()
	im.Data = append(im.Data,
		difftest.Data{Name: "loadcfg", Bytes: loadConfig64(0x148, binarydiff.IMAGE_GUARD_CF_INSTRUMENTED, chpe, 0)},
		difftest.Data{Name: "hptable", Bytes: hotPatchInfo(3, 0x5f000000, 0x1234)})
	l, err := im.Build()
	if err != nil {
		t.Fatal(err)
	}
	lcRVA, hpRVA := l.Data[len(l.Data)-2].RVA, l.Data[len(l.Data)-1].RVA
	out := bytes.Clone(l.Bytes)
	lfanew := binary.LittleEndian.Uint32(out[0x3c:])
	dir := lfanew + 4 + 20 + 112 + 8*pe.IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG
	binary.LittleEndian.PutUint32(out[dir:], lcRVA)
	binary.LittleEndian.PutUint32(out[dir+4:], 0x148)
	if hotpatch {
		off := fileOffset(t, out, lcRVA) + 0xF0
		binary.LittleEndian.PutUint32(out[off:], hpRVA)
	}
	return out
}

// fileOffset maps an RVA of a PE32+ image to its file offset.
func fileOffset(t *testing.T, pe []byte, rva uint32) uint32 {
	le := binary.LittleEndian
	lfanew := le.Uint32(pe[0x3c:])
	n := uint32(le.Uint16(pe[lfanew+6:]))
	sh := lfanew + 4 + 20 + uint32(le.Uint16(pe[lfanew+20:]))
	for i := uint32(0); i < n; i++ {
		h := pe[sh+40*i:]
		va, size, raw := le.Uint32(h[12:]), le.Uint32(h[8:]), le.Uint32(h[20:])
		if rva >= va && rva < va+size {
			return raw + rva - va
		}
	}
	t.Fatalf("rva %#x in no section", rva)
	return 0
}

func TestImageFactsLoadConfig(t *testing.T) {
	im := &difftest.Image{Funcs: []difftest.Func{{Name: "f", Body: []difftest.Insn{{Op: difftest.MovImm, Dst: difftest.RAX, Imm: 1}}}}}
	img := withLoadConfig(t, im, 0, true)
	f, err := binarydiff.ReadPEFacts(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	if f.LoadConfig == nil || !f.LoadConfig.CFG() || !f.IsHotpatch() || f.HotPatch == nil || f.HotPatch.SequenceNumber != 3 || f.CHPE != binarydiff.CHPENone {
		t.Fatalf("facts: %+v lc %+v hp %+v", f, f.LoadConfig, f.HotPatch)
	}
	// An Arm64EC image (x64 machine with CHPE metadata), itself a
	// hotpatch: warnings, not findings.
	ec := withLoadConfig(t, im, 0x140002000, true)
	b, err := binarydiff.Parse(context.Background(), bytes.NewReader(ec), int64(len(ec)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := binarydiff.Diff(context.Background(), b, b, binarydiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Hotpatchability(b, b)
	if !a.Patchable() || a.New.CHPE != binarydiff.CHPEArm64EC {
		t.Errorf("Arm64EC self diff: %v %v", a.Verdict, a.Blockers())
	}
	var rules []binarydiff.Rule
	for _, w := range a.Warnings {
		rules = append(rules, w.Rule)
	}
	for _, want := range []binarydiff.Rule{binarydiff.RuleCHPEImage, binarydiff.RuleHotpatchImage} {
		if !containsRule(rules, want) {
			t.Errorf("warnings %v lack %v", a.Warnings, want)
		}
	}
}

func containsRule(rs []binarydiff.Rule, r binarydiff.Rule) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
