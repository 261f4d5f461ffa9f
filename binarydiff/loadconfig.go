package binarydiff

import (
	"debug/pe"
	"encoding/binary"
	"fmt"
)

// Guard flags of IMAGE_LOAD_CONFIG_DIRECTORY.GuardFlags and hotpatch flags
// (winnt.h): debug/pe does not read the load configuration directory, and
// has none of them.
const (
	IMAGE_GUARD_CF_INSTRUMENTED               = 0x00000100
	IMAGE_GUARD_CFW_INSTRUMENTED              = 0x00000200
	IMAGE_GUARD_CF_FUNCTION_TABLE_PRESENT     = 0x00000400
	IMAGE_GUARD_RETPOLINE_PRESENT             = 0x00100000
	IMAGE_GUARD_EH_CONTINUATION_TABLE_PRESENT = 0x00400000
	IMAGE_GUARD_XFG_ENABLED                   = 0x00800000
	IMAGE_GUARD_CF_FUNCTION_TABLE_SIZE_MASK   = 0xF0000000
	IMAGE_GUARD_CF_FUNCTION_TABLE_SIZE_SHIFT  = 28
	IMAGE_HOT_PATCH_BASE_OBLIGATORY           = 0x1
	IMAGE_HOT_PATCH_BASE_CAN_ROLL_BACK        = 0x2
	IMAGE_HOT_PATCH_INFO_FLAG_HOTSWAP         = 0x2
	sizeofHotPatchInfoV1                      = 20
	sizeofHotPatchBaseV1                      = 28
	maxHotPatchBases                          = 1024
	loadConfigMajorOff                        = 8
	loadConfigTimeOff                         = 4
	loadConfigMinorOff                        = 0xA
)

// LoadConfig is the part of an image's load configuration directory
// (IMAGE_LOAD_CONFIG_DIRECTORY32 or 64) that matters for hotpatching. A
// field is zero when the directory's Size does not cover it: older images
// have shorter directories, and the Size field, not the structure of the
// newest SDK, bounds every read. Offsets are those of winnt.h of the
// Windows SDK 10.0.26100.0 (as published in microsoft/win32metadata,
// https://github.com/microsoft/win32metadata).
type LoadConfig struct {
	Size          uint32 `json:"size"` // the directory's own Size field, clipped to the bytes present
	TimeDateStamp uint32 `json:"timeDateStamp"`
	MajorVersion  uint16 `json:"majorVersion"`
	MinorVersion  uint16 `json:"minorVersion"`

	SecurityCookie       uint64 `json:"securityCookie"`       // VA of the /GS cookie
	GuardCFFunctionTable uint64 `json:"guardCfFunctionTable"` // VA of the CFG function table
	GuardCFFunctionCount uint64 `json:"guardCfFunctionCount"`
	GuardFlags           uint32 `json:"guardFlags"`          // IMAGE_GUARD_* (CFG, retpoline, EH continuation, XFG)
	CHPEMetadataPointer  uint64 `json:"chpeMetadataPointer"` // VA of the CHPE metadata: nonzero in Arm64EC, Arm64X and x86 CHPE images
	// HotPatchTableOffset is the RVA of the IMAGE_HOT_PATCH_INFO of a
	// hotpatch image; 0 in a base image.
	HotPatchTableOffset      uint32 `json:"hotPatchTableOffset"`
	GuardEHContinuationTable uint64 `json:"guardEhContinuationTable"`
	GuardEHContinuationCount uint64 `json:"guardEhContinuationCount"`
}

// CFG reports whether the image is instrumented for Control Flow Guard.
func (lc *LoadConfig) CFG() bool { return lc.GuardFlags&IMAGE_GUARD_CF_INSTRUMENTED != 0 }

// guardStride is the size of one GuardCFFunctionTable entry: an RVA plus
// the extra bytes GuardFlags announces.
func (lc *LoadConfig) guardStride() uint32 {
	return 4 + (lc.GuardFlags&IMAGE_GUARD_CF_FUNCTION_TABLE_SIZE_MASK)>>IMAGE_GUARD_CF_FUNCTION_TABLE_SIZE_SHIFT
}

// loadConfigField is where a field sits in the 32-bit and 64-bit layouts,
// and its width in each.
type loadConfigField struct {
	off32, off64   uint32
	size32, size64 uint32
}

var (
	lcSecurityCookie       = loadConfigField{0x3C, 0x58, 4, 8}
	lcGuardCFFunctionTable = loadConfigField{0x50, 0x80, 4, 8}
	lcGuardCFFunctionCount = loadConfigField{0x54, 0x88, 4, 8}
	lcGuardFlags           = loadConfigField{0x58, 0x90, 4, 4}
	lcCHPEMetadataPointer  = loadConfigField{0x7C, 0xC8, 4, 8}
	lcHotPatchTableOffset  = loadConfigField{0x94, 0xF0, 4, 4}
	lcGuardEHContTable     = loadConfigField{0xA4, 0x108, 4, 8}
	lcGuardEHContCount     = loadConfigField{0xA8, 0x110, 4, 8}
)

// ParseLoadConfig decodes a load configuration directory from p, the bytes
// the data directory points at (plus64 selects the PE32+ layout). The
// directory's own Size field bounds the fields read; a Size smaller than 4,
// or larger than p, is reported as a *FormatError or clipped with a
// Warning respectively. It never reads outside p.
func ParseLoadConfig(p []byte, plus64 bool) (*LoadConfig, []Warning, error) {
	if len(p) < 4 {
		return nil, nil, &FormatError{Off: -1, Msg: "load config directory shorter than its Size field", Val: len(p)}
	}
	lc := &LoadConfig{Size: binary.LittleEndian.Uint32(p)}
	var warns []Warning
	if lc.Size < 4 {
		return nil, nil, &FormatError{Off: -1, Msg: "load config Size smaller than the Size field", Val: lc.Size}
	}
	if uint64(lc.Size) > uint64(len(p)) {
		warns = append(warns, Warning{Off: -1, Msg: fmt.Sprintf("load config Size %#x exceeds the %#x bytes present; clipped", lc.Size, len(p))})
		lc.Size = uint32(len(p))
	}
	p = p[:lc.Size]
	get := func(f loadConfigField) uint64 {
		off, size := f.off64, f.size64
		if !plus64 {
			off, size = f.off32, f.size32
		}
		if uint64(off)+uint64(size) > uint64(len(p)) {
			return 0
		}
		if size == 8 {
			return binary.LittleEndian.Uint64(p[off:])
		}
		return uint64(binary.LittleEndian.Uint32(p[off:]))
	}
	if len(p) >= 12 {
		lc.TimeDateStamp = binary.LittleEndian.Uint32(p[loadConfigTimeOff:])
		lc.MajorVersion = binary.LittleEndian.Uint16(p[loadConfigMajorOff:])
		lc.MinorVersion = binary.LittleEndian.Uint16(p[loadConfigMinorOff:])
	}
	lc.SecurityCookie = get(lcSecurityCookie)
	lc.GuardCFFunctionTable = get(lcGuardCFFunctionTable)
	lc.GuardCFFunctionCount = get(lcGuardCFFunctionCount)
	lc.GuardFlags = uint32(get(lcGuardFlags))
	lc.CHPEMetadataPointer = get(lcCHPEMetadataPointer)
	lc.HotPatchTableOffset = uint32(get(lcHotPatchTableOffset))
	lc.GuardEHContinuationTable = get(lcGuardEHContTable)
	lc.GuardEHContinuationCount = get(lcGuardEHContCount)
	return lc, warns, nil
}

// HotPatchInfo is the IMAGE_HOT_PATCH_INFO a hotpatch image's load
// configuration points to (HotPatchTableOffset), with the base images it
// patches (winnt.h, Windows SDK 10.0.26100.0). Fields a version does not
// have are zero.
type HotPatchInfo struct {
	Version           uint32         `json:"version"`
	Size              uint32         `json:"size"`
	SequenceNumber    uint32         `json:"sequenceNumber"`
	BufferOffset      uint32         `json:"bufferOffset"`      // version 2 and later
	ExtraPatchSize    uint32         `json:"extraPatchSize"`    // version 3 and later
	MinSequenceNumber uint32         `json:"minSequenceNumber"` // version 4
	Flags             uint32         `json:"flags"`             // version 4: IMAGE_HOT_PATCH_INFO_FLAG_*
	Bases             []HotPatchBase `json:"bases"`
}

// HotPatchBase is one IMAGE_HOT_PATCH_BASE: a base image the patch applies
// to, identified by the TimeDateStamp and CheckSum of its PE headers.
type HotPatchBase struct {
	SequenceNumber        uint32 `json:"sequenceNumber"`
	Flags                 uint32 `json:"flags"` // IMAGE_HOT_PATCH_BASE_*
	OriginalTimeDateStamp uint32 `json:"originalTimeDateStamp"`
	OriginalCheckSum      uint32 `json:"originalCheckSum"`
	CodeIntegrityInfo     uint32 `json:"codeIntegrityInfo"`
	CodeIntegritySize     uint32 `json:"codeIntegritySize"`
	PatchTable            uint32 `json:"patchTable"`
	BufferOffset          uint32 `json:"bufferOffset"` // version 2 and later
}

// ParseHotPatchInfo decodes an IMAGE_HOT_PATCH_INFO table from p, which
// starts at the table. Its Size field bounds every read, and the base
// image count is capped, so a bogus table gives an error, never a large
// allocation.
func ParseHotPatchInfo(p []byte) (*HotPatchInfo, error) {
	if len(p) < sizeofHotPatchInfoV1 {
		return nil, &FormatError{Off: -1, Msg: "hotpatch info shorter than version 1", Val: len(p)}
	}
	u32 := func(off uint32) uint32 { return binary.LittleEndian.Uint32(p[off:]) }
	hi := &HotPatchInfo{Version: u32(0), Size: u32(4), SequenceNumber: u32(8)}
	if hi.Size < sizeofHotPatchInfoV1 || uint64(hi.Size) > uint64(len(p)) {
		return nil, &FormatError{Off: -1, Msg: "hotpatch info Size out of range", Val: hi.Size}
	}
	p = p[:hi.Size]
	list, count := u32(0xC), u32(0x10)
	if hi.Version >= 2 && len(p) >= 0x18 {
		hi.BufferOffset = u32(0x14)
	}
	if hi.Version >= 3 && len(p) >= 0x1C {
		hi.ExtraPatchSize = u32(0x18)
	}
	if hi.Version >= 4 && len(p) >= 0x24 {
		hi.MinSequenceNumber, hi.Flags = u32(0x1C), u32(0x20)
	}
	if count > maxHotPatchBases || uint64(list)+4*uint64(count) > uint64(len(p)) {
		return nil, &FormatError{Off: -1, Msg: "hotpatch base image list out of range", Val: count}
	}
	for i := uint32(0); i < count; i++ {
		off := u32(list + 4*i)
		if uint64(off)+sizeofHotPatchBaseV1 > uint64(len(p)) {
			return nil, &FormatError{Off: -1, Msg: fmt.Sprintf("hotpatch base %d outside the table", i), Val: off}
		}
		b := HotPatchBase{
			SequenceNumber:        u32(off),
			Flags:                 u32(off + 4),
			OriginalTimeDateStamp: u32(off + 8),
			OriginalCheckSum:      u32(off + 12),
			CodeIntegrityInfo:     u32(off + 16),
			CodeIntegritySize:     u32(off + 20),
			PatchTable:            u32(off + 24),
		}
		if hi.Version >= 2 && uint64(off)+32 <= uint64(len(p)) {
			b.BufferOffset = u32(off + 28)
		}
		hi.Bases = append(hi.Bases, b)
	}
	return hi, nil
}

// CHPE says whether an image mixes architectures (Compiled Hybrid PE).
// Hotpatch cannot service CHPE binaries on Arm64 ("Hotpatch updates",
// https://learn.microsoft.com/windows/deployment/windows-autopatch/manage/windows-autopatch-hotpatch-updates).
type CHPE uint8

const (
	CHPENone    CHPE = iota // no CHPE metadata
	CHPEArm64EC             // x64 machine with CHPE metadata: Arm64EC code presenting as x64
	CHPEArm64X              // Arm64 machine with CHPE metadata: Arm64 and Arm64EC in one image
	CHPEX86                 // x86 machine with CHPE metadata: x86 CHPE (SyChpe32)
	CHPEOther               // CHPE metadata in an image of another machine
)

var chpeNames = [...]string{"none", "arm64ec", "arm64x", "x86chpe", "other"}

// String implements fmt.Stringer.
func (c CHPE) String() string { return enumString(chpeNames[:], int(c)) }

// MarshalText implements encoding.TextMarshaler.
func (c CHPE) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *CHPE) UnmarshalText(b []byte) error { return enumParse(chpeNames[:], "chpe", b, (*uint8)(c)) }

func chpeKind(machine uint16, lc *LoadConfig) CHPE {
	if machine == IMAGE_FILE_MACHINE_ARM64EC {
		return CHPEArm64EC
	}
	if machine == IMAGE_FILE_MACHINE_ARM64X {
		return CHPEArm64X
	}
	if lc == nil || lc.CHPEMetadataPointer == 0 {
		return CHPENone
	}
	switch machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return CHPEArm64EC
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return CHPEArm64X
	case pe.IMAGE_FILE_MACHINE_I386:
		return CHPEX86
	}
	return CHPEOther
}
