package eligibility

import (
	"fmt"
	"strings"

	"github.com/patchmodel/patchmodel/hotpatch"
)

// field is one column of the schema.
type field uint8

const (
	fieldNone field = iota
	fieldID
	fieldName
	fieldOS
	fieldBuild
	fieldEdition
	fieldArch
	fieldFirmware
	fieldSecureBoot
	fieldVBS
	fieldVirtExt
	fieldSLAT
	fieldCHPE
	fieldManagement
	fieldLicense
	fieldPolicy
	fieldLastBaseline
	numFields
)

// A fieldSpec says how to parse one field's text and where the value goes.
// ID and name are kept as text and have neither.
type fieldSpec struct {
	name  string
	parse func(text string) (parsed, error)
	set   func(d *hotpatch.Device, v parsed)
}

// fields is the inventory schema.
var fields = [numFields]fieldSpec{
	fieldID:   {name: "id"},
	fieldName: {name: "name"},
	fieldOS: {"os", parseOS,
		func(*hotpatch.Device, parsed) {}},
	fieldBuild: {"build", parseBuildField,
		func(d *hotpatch.Device, v parsed) { d.Build = v.b }},
	fieldEdition: {"edition", enumParser(hotpatch.ParseEdition),
		func(d *hotpatch.Device, v parsed) { d.Edition = hotpatch.Edition(v.u) }},
	fieldArch: {"arch", enumParser(hotpatch.ParseArch),
		func(d *hotpatch.Device, v parsed) { d.Arch = hotpatch.Arch(v.u) }},
	fieldFirmware: {"firmware", enumParser(hotpatch.ParseFirmware),
		func(d *hotpatch.Device, v parsed) { d.Firmware = hotpatch.Firmware(v.u) }},
	fieldSecureBoot: {"secureBoot", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.SecureBoot = hotpatch.Tri(v.u) }},
	fieldVBS: {"vbs", enumParser(hotpatch.ParseVBS),
		func(d *hotpatch.Device, v parsed) { d.VBS = hotpatch.VBS(v.u) }},
	fieldVirtExt: {"virtualizationExtensions", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.VirtualizationExtensions = hotpatch.Tri(v.u) }},
	fieldSLAT: {"slat", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.SLAT = hotpatch.Tri(v.u) }},
	fieldCHPE: {"chpeDisabled", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.CHPEDisabled = hotpatch.Tri(v.u) }},
	fieldManagement: {"management", enumParser(hotpatch.ParseManagement),
		func(d *hotpatch.Device, v parsed) { d.Management = hotpatch.Management(v.u) }},
	fieldLicense: {"license", enumParser(hotpatch.ParseLicense),
		func(d *hotpatch.Device, v parsed) { d.License = hotpatch.License(v.u) }},
	fieldPolicy: {"hotpatchPolicy", enumParser(hotpatch.ParseTri),
		func(d *hotpatch.Device, v parsed) { d.HotpatchPolicy = hotpatch.Tri(v.u) }},
	fieldLastBaseline: {"lastBaseline", parseBuildField,
		func(d *hotpatch.Device, v parsed) { d.LastBaseline = v.b }},
}

// enumParser adapts a hotpatch parser of a one-byte enumeration.
func enumParser[T ~uint8](parse func(string) (T, error)) func(string) (parsed, error) {
	return func(text string) (parsed, error) {
		v, err := parse(text)
		return parsed{u: uint8(v)}, err
	}
}

// fieldAliases maps folded column names (lower-case letters and digits) to
// fields.
var fieldAliases = map[string]field{
	"id": fieldID, "deviceid": fieldID, "intunedeviceid": fieldID, "manageddeviceid": fieldID,
	"name": fieldName, "devicename": fieldName, "computername": fieldName, "hostname": fieldName,
	"build": fieldBuild, "osversion": fieldBuild, "osbuild": fieldBuild,
	"edition": fieldEdition, "editionid": fieldEdition, "skufamily": fieldEdition, "osedition": fieldEdition,
	"arch": fieldArch, "architecture": fieldArch, "processorarchitecture": fieldArch,
	"firmware": fieldFirmware, "firmwaretype": fieldFirmware, "biosmode": fieldFirmware,
	"secureboot": fieldSecureBoot, "securebootenabled": fieldSecureBoot, "securebootstate": fieldSecureBoot,
	"vbs": fieldVBS, "vbsstate": fieldVBS, "vbsstatus": fieldVBS, "virtualizationbasedsecurity": fieldVBS,
	"virtualizationbasedsecuritystatus": fieldVBS,
	"virtualizationextensions":          fieldVirtExt, "slat": fieldSLAT,
	"chpedisabled": fieldCHPE, "hotpatchrestrictions": fieldCHPE,
	"management": fieldManagement, "managedby": fieldManagement, "managementagent": fieldManagement,
	"license": fieldLicense, "licence": fieldLicense,
	"hotpatchpolicy": fieldPolicy, "hotpatchenabled": fieldPolicy, "ishotpatchenabled": fieldPolicy,
	"lastbaseline": fieldLastBaseline,
	"os":           fieldOS, "operatingsystem": fieldOS,
}

func fold(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// parsed is a parsed cell value: an enum or Tri in u, or a build.
type parsed struct {
	u uint8
	b hotpatch.Build
}

// A parser parses the cells of one field, remembering the values it has
// seen: inventories repeat a few spellings millions of times. The first few
// spellings are kept in a slice, which a short scan searches faster than a
// map; builds, which vary more, spill into the map.
type parser struct {
	f     field
	few   []cached
	cache map[string]parsed
}

type cached struct {
	text string
	v    parsed
}

const (
	maxFew   = 16
	maxCache = 4096
)

func (p *parser) lookup(text string) (parsed, bool) {
	for i := range p.few {
		if p.few[i].text == text {
			return p.few[i].v, true
		}
	}
	v, ok := p.cache[text]
	return v, ok
}

func (p *parser) remember(text string, v parsed) {
	switch {
	case len(p.few) < maxFew:
		p.few = append(p.few, cached{strings.Clone(text), v})
	case len(p.cache) < maxCache:
		p.cache[strings.Clone(text)] = v
	}
}

func (p *parser) set(d *hotpatch.Device, text string) error {
	switch p.f {
	case fieldID:
		d.ID = strings.TrimSpace(text)
		return nil
	case fieldName:
		d.Name = strings.TrimSpace(text)
		return nil
	}
	spec := &fields[p.f]
	v, ok := p.lookup(text)
	if !ok {
		var err error
		if v, err = spec.parse(text); err != nil {
			return err
		}
		p.remember(text, v)
	}
	spec.set(d, v)
	return nil
}

// parseOS accepts Windows, or no value: Intune exports list phones and Macs
// too, and their OS versions are not Windows builds.
func parseOS(text string) (parsed, error) {
	if k := fold(text); k != "" && !strings.HasPrefix(k, "windows") {
		return parsed{}, fmt.Errorf("%w: %q", ErrNotWindows, text)
	}
	return parsed{}, nil
}

// parseBuildField parses a build and rejects builds no Windows release has.
func parseBuildField(text string) (parsed, error) {
	if strings.TrimSpace(text) == "" {
		return parsed{}, nil
	}
	b, err := hotpatch.ParseBuild(text)
	if err != nil {
		return parsed{}, err
	}
	if b.Major != 10 || b.Minor != 0 || b.Number < 10240 {
		return parsed{}, fmt.Errorf("%w %q: Windows 10 and later are 10.0.10240 and up", ErrImpossibleBuild, text)
	}
	return parsed{b: b}, nil
}

// columns maps header names to parsers.
func (inv *Inventory) columns(names []string) ([]*parser, error) {
	ps := make([]*parser, len(names))
	var at [numFields]int
	for i, n := range names {
		f := fieldAliases[fold(n)]
		if f == fieldNone {
			if len(inv.ignored) < maxIgnored {
				inv.ignored = append(inv.ignored, n)
			}
			continue
		}
		if at[f] != 0 {
			return nil, fmt.Errorf("%w: columns %d and %d both give %s", ErrHeader, at[f], i+1, fields[f].name)
		}
		at[f] = i + 1
		ps[i] = &parser{f: f, cache: map[string]parsed{}}
	}
	if at[fieldID] == 0 && at[fieldName] == 0 {
		return nil, fmt.Errorf("%w: no id or name column among %s; %s", ErrHeader, headerSample(names), acceptedColumns())
	}
	for _, col := range at {
		if col != 0 {
			inv.order = append(inv.order, col-1)
		}
	}
	return ps, nil
}
