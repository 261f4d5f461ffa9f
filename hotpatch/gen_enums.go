//go:build ignore

// gen_enums writes enums.go: the enumerated facts of a device and a
// release (edition, architecture, firmware, management, license, VBS
// state, track, update kind, product), each with its tokens, display
// names, the spellings inventories use, and its parse and text methods.
// Run it with go generate in this directory; -o writes elsewhere
// (TestEnumsGenerated compares).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"strings"
)

// enum is one enumerated type.
type enum struct {
	typ    string // Go type name
	noun   string // what a value is called in error messages
	doc    string // completes "<typ> is ..."
	values []value
}

// value is one constant of an enum, after the zero value Unknown.
type value struct {
	name    string   // Go constant name
	token   string   // stable token: MarshalText's output
	display string   // display name: String's output
	doc     string   // the constant's comment
	aliases []string // other spellings ParseX accepts
}

var enums = []enum{
	{"Edition", "edition", "what a device's EditionID or marketing name says: the SKU of Windows it runs", []value{
		{"EditionHome", "home", "Home", "Windows 11 Home (EditionID Core)", []string{"Core", "CoreSingleLanguage", "CoreCountrySpecific", "CoreN"}},
		{"EditionPro", "pro", "Pro", "Windows 11 Pro (EditionID Professional)", []string{"Professional", "ProfessionalN", "Pro N"}},
		{"EditionProEducation", "pro-education", "Pro Education", "Pro Education", []string{"ProfessionalEducation"}},
		{"EditionProWorkstations", "pro-workstations", "Pro for Workstations", "Pro for Workstations", []string{"ProfessionalWorkstation"}},
		{"EditionEducation", "education", "Education", "Education", []string{"EducationN"}},
		{"EditionEnterprise", "enterprise", "Enterprise", "Enterprise", []string{"EnterpriseN", "EnterpriseG"}},
		{"EditionEnterpriseMultiSession", "enterprise-multi-session", "Enterprise multi-session", "Enterprise multi-session, as used by Azure Virtual Desktop (EditionID ServerRdsh)", []string{"ServerRdsh", "Enterprise for Virtual Desktops", "Enterprise multisession"}},
		{"EditionEnterpriseLTSC", "enterprise-ltsc", "Enterprise LTSC", "Enterprise LTSC (EditionID EnterpriseS)", []string{"EnterpriseS", "EnterpriseSN", "Enterprise LTSC 2024", "Enterprise LTSB"}},
		{"EditionIoTEnterprise", "iot-enterprise", "IoT Enterprise", "IoT Enterprise", []string{}},
		{"EditionIoTEnterpriseLTSC", "iot-enterprise-ltsc", "IoT Enterprise LTSC", "IoT Enterprise LTSC (EditionID IoTEnterpriseS)", []string{"IoTEnterpriseS", "IoT Enterprise LTSC 2024"}},
		{"EditionSE", "se", "SE", "Windows 11 SE (EditionID CloudEdition)", []string{"CloudEdition", "CloudEditionN"}},
		{"EditionServerStandard", "server-standard", "Server Standard", "Windows Server Standard, Core or Desktop Experience", []string{"ServerStandard", "ServerStandardCor", "ServerStandardACor", "Standard"}},
		{"EditionServerDatacenter", "server-datacenter", "Server Datacenter", "Windows Server Datacenter, Core or Desktop Experience", []string{"ServerDatacenter", "ServerDatacenterCor", "ServerDatacenterACor", "Datacenter"}},
		{"EditionServerAzureEdition", "server-azure-edition", "Server Datacenter: Azure Edition", "Windows Server Datacenter: Azure Edition (EditionID ServerTurbine)", []string{"ServerTurbine", "ServerTurbineCor", "Datacenter Azure Edition", "Datacenter: Azure Edition", "Azure Edition"}},
	}},
	{"Arch", "arch", "a processor architecture", []value{
		{"ArchX64", "x64", "x64", "x64 (AMD64, Intel 64)", []string{"AMD64", "x86_64", "x86-64", "Intel64"}},
		{"ArchArm64", "arm64", "Arm64", "Arm64 (AArch64)", []string{"AArch64", "ARM 64"}},
		{"ArchX86", "x86", "x86", "32-bit x86", []string{"i386", "i686", "IA32", "x86 32-bit"}},
	}},
	{"Firmware", "firmware", "the boot firmware type", []value{
		{"FirmwareUEFI", "uefi", "UEFI", "UEFI firmware", []string{"EFI"}},
		{"FirmwareBIOS", "bios", "BIOS", "legacy BIOS firmware", []string{"Legacy", "Legacy BIOS"}},
	}},
	{"Management", "management", "what manages a device's updates", []value{
		{"ManagementNone", "none", "None", "known to be unmanaged", []string{"Unmanaged"}},
		{"ManagementAutopatch", "autopatch", "Windows Autopatch", "Windows Autopatch (on top of Intune)", []string{"Windows Autopatch"}},
		{"ManagementIntune", "intune", "Intune", "Microsoft Intune (MDM)", []string{"Microsoft Intune", "MDM", "Intune MDM"}},
		{"ManagementConfigMgr", "configmgr", "Configuration Manager", "Configuration Manager alone", []string{"SCCM", "MECM", "ConfigMgr", "Microsoft Configuration Manager", "System Center Configuration Manager"}},
		{"ManagementCoManaged", "co-managed", "Co-managed", "co-managed by Configuration Manager and Intune", []string{"Comanaged", "Co-management", "ConfigMgr + Intune", "Intune and ConfigMgr"}},
		{"ManagementAzureArc", "azure-arc", "Azure Arc", "Azure Arc (Connected Machine agent), for Windows Server", []string{"Arc", "Azure Arc-enabled", "Arc-enabled"}},
		{"ManagementAzure", "azure", "Azure", "an Azure or Azure Local virtual machine patched by Azure (Automatic VM Guest Patching, Azure Update Manager)", []string{"Azure VM", "Azure Update Manager", "Automanage", "Azure Local", "Azure Stack HCI"}},
	}},
	{"License", "license", "the subscription that entitles a user or device to Windows features", []value{
		{"LicenseNone", "none", "None", "known to hold no license that entitles it to hotpatch", []string{"Unlicensed"}},
		{"LicenseE3", "e3", "E3", "Windows 11 Enterprise E3 or Microsoft 365 E3", []string{"Microsoft 365 E3", "M365 E3", "Windows Enterprise E3", "Windows 11 Enterprise E3", "Windows 10/11 Enterprise E3"}},
		{"LicenseE5", "e5", "E5", "Windows 11 Enterprise E5 or Microsoft 365 E5", []string{"Microsoft 365 E5", "M365 E5", "Windows Enterprise E5", "Windows 11 Enterprise E5", "Windows 10/11 Enterprise E5"}},
		{"LicenseF3", "f3", "F3", "Microsoft 365 F3", []string{"Microsoft 365 F3", "M365 F3"}},
		{"LicenseA3", "a3", "A3", "Windows 11 Education A3 or Microsoft 365 A3", []string{"Microsoft 365 A3", "Windows Education A3", "Windows 11 Education A3"}},
		{"LicenseA5", "a5", "A5", "Windows 11 Education A5 or Microsoft 365 A5", []string{"Microsoft 365 A5", "Windows Education A5", "Windows 11 Education A5"}},
		{"LicenseBusinessPremium", "business-premium", "Business Premium", "Microsoft 365 Business Premium", []string{"Microsoft 365 Business Premium", "M365 Business Premium", "M365BP"}},
		{"LicenseWindows365Enterprise", "windows365-enterprise", "Windows 365 Enterprise", "Windows 365 Enterprise (Cloud PC)", []string{"W365 Enterprise", "Windows 365 Enterprise"}},
		{"LicenseOther", "other", "Other", "a known license not in this list, which does not entitle to hotpatch (E1, Business Standard, ...)", []string{"E1", "Business Standard", "Business Basic", "Microsoft 365 E1", "Microsoft 365 Business Standard"}},
	}},
	{"VBS", "VBS state", "the state of virtualization-based security, as Win32_DeviceGuard's VirtualizationBasedSecurityStatus reports it (0 not enabled, 1 enabled but not running, 2 running)", []value{
		{"VBSOff", "off", "Not enabled", "VBS not enabled (status 0)", []string{"0", "Not enabled", "Disabled", "Off"}},
		{"VBSConfigured", "configured", "Enabled but not running", "VBS enabled but not running (status 1), e.g. before the restart that starts it", []string{"1", "Enabled but not running", "Enabled not running", "Enabled"}},
		{"VBSRunning", "running", "Running", "VBS running (status 2): what hotpatch requires", []string{"2", "Running", "Enabled and running"}},
	}},
	{"Track", "track", "a hotpatch product track: the operating systems that share one hotpatch release stream", []value{
		{"TrackWindows11", "windows11", "Windows 11 (24H2 and later)", "Windows 11 Enterprise/Education 24H2 (26100) and 25H2 (26200), which share revisions", []string{"Windows 11", "Win11", "Windows 11 client", "client"}},
		{"TrackServer2025", "server2025", "Windows Server 2025", "Windows Server 2025 Standard/Datacenter via Azure Arc and Datacenter: Azure Edition (26100)", []string{"Windows Server 2025", "WS2025"}},
		{"TrackServer2022", "server2022", "Windows Server 2022 Datacenter: Azure Edition", "Windows Server 2022 Datacenter: Azure Edition (20348)", []string{"Windows Server 2022", "Windows Server 2022 Azure Edition", "WS2022"}},
	}},
	{"Kind", "update kind", "what kind of release an update is", []value{
		{"KindBaseline", "baseline", "Baseline", "a baseline: the quarter's cumulative update, restart required; hotpatches build on it", []string{"Baseline (Restart)"}},
		{"KindHotpatch", "hotpatch", "Hotpatch", "a hotpatch: the month's security fixes applied in memory, no restart", []string{}},
		{"KindLCU", "lcu", "LCU", "a standard latest cumulative update (the non-hotpatch B release), restart required", []string{"Cumulative", "Cumulative update", "Latest cumulative update", "B"}},
		{"KindOutOfBand", "oob", "Out-of-band", "an out-of-band release outside Patch Tuesday; Restart says whether it is a hotpatch", []string{"Out-of-band", "OOB", "Out of band"}},
		{"KindPreview", "preview", "Preview", "an optional non-security preview (the fourth-Tuesday D release)", []string{"Non-security preview", "Optional preview", "D"}},
	}},
	{"Product", "product", "a Windows product line", []value{
		{"ProductWindows10", "windows10", "Windows 10", "Windows 10 client", []string{"Win10"}},
		{"ProductWindows11", "windows11", "Windows 11", "Windows 11 client", []string{"Win11"}},
		{"ProductWindowsServer", "windows-server", "Windows Server", "Windows Server", []string{"Server"}},
		{"ProductAzureLocal", "azure-local", "Azure Local", "Azure Local, formerly Azure Stack HCI", []string{"Azure Stack HCI"}},
	}},
}

func main() {
	out := flag.String("o", "enums.go", "write to `file`")
	flag.Parse()
	var b bytes.Buffer
	b.WriteString("// Code generated by gen_enums.go; DO NOT EDIT.\n\npackage hotpatch\n")
	for _, e := range enums {
		write(&b, e)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatalf("formatting the output: %v\n%s", err, b.Bytes())
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// write writes an enum's type, constants, table and methods.
func write(b *bytes.Buffer, e enum) {
	T := e.typ
	lc := strings.ToLower(T[:1]) + T[1:]
	fmt.Fprintf(b, "// %s is %s.\n// The zero value, %sUnknown, means the fact is not known.\ntype %s uint8\n", T, e.doc, T, T)
	fmt.Fprintf(b, "const (\n\t%sUnknown %s = iota // not known\n", T, T)
	var tokens, names, aliases []string
	for _, v := range e.values {
		fmt.Fprintf(b, "\t%s // %s\n", v.name, v.doc)
		tokens = append(tokens, quote(v.token))
		names = append(names, quote(v.display))
		for _, a := range v.aliases {
			aliases = append(aliases, fmt.Sprintf("\t%s: int(%s),\n", quote(a), v.name))
		}
	}
	b.WriteString(")\n")
	fmt.Fprintf(b, "var %sEnum = newEnum(%s,\n\t[]string{\"unknown\", %s},\n\t[]string{\"Unknown\", %s},\n\tmap[string]int{\n%s\t})\n",
		lc, quote(e.noun), strings.Join(tokens, ", "), strings.Join(names, ", "), strings.Join(aliases, ""))
	art := "a"
	if strings.ContainsRune("AEIOU", rune(T[0])) {
		art = "an"
	}
	fmt.Fprintf(b, `
// Parse%[1]s parses %[3]s %[4]s from its token, its display name or a spelling
// that inventories contain, ignoring case, spaces and punctuation. Empty text
// and "unknown" give %[1]sUnknown; other unrecognized text is a *ParseError
// wrapping ErrUnknown that names the text.
func Parse%[1]s(s string) (%[1]s, error) {
	v, err := %[2]sEnum.parse(s)
	return %[1]s(v), err
}

// String returns the display name, such as "%[5]s".
func (v %[1]s) String() string { return %[2]sEnum.name(int(v)) }

// MarshalText returns the stable token, such as "%[6]s".
func (v %[1]s) MarshalText() ([]byte, error) { return %[2]sEnum.marshal(int(v)) }

// UnmarshalText accepts what Parse%[1]s accepts.
func (v *%[1]s) UnmarshalText(text []byte) error {
	p, err := Parse%[1]s(string(text))
	if err != nil {
		return err
	}
	*v = p
	return nil
}
`, T, lc, art, e.noun, e.values[0].display, e.values[0].token)
}

// quote writes s as a Go string literal, as Python's "%s" formatting did
// for these ASCII strings without quotes or backslashes.
func quote(s string) string {
	if strings.ContainsAny(s, "\"\\\n") {
		log.Fatalf("%q: quotes, backslashes and newlines are not expected", s)
	}
	return `"` + s + `"`
}
