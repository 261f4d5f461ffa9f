# Generates enums.go (run by go generate from this folder).
E = [
 ("Edition", "edition", "what a device's EditionID or marketing name says: the SKU of Windows it runs", [
  ("EditionHome","home","Home","Windows 11 Home (EditionID Core)",["Core","CoreSingleLanguage","CoreCountrySpecific","CoreN"]),
  ("EditionPro","pro","Pro","Windows 11 Pro (EditionID Professional)",["Professional","ProfessionalN","Pro N"]),
  ("EditionProEducation","pro-education","Pro Education","Pro Education",["ProfessionalEducation"]),
  ("EditionProWorkstations","pro-workstations","Pro for Workstations","Pro for Workstations",["ProfessionalWorkstation"]),
  ("EditionEducation","education","Education","Education",["EducationN"]),
  ("EditionEnterprise","enterprise","Enterprise","Enterprise",["EnterpriseN","EnterpriseG"]),
  ("EditionEnterpriseMultiSession","enterprise-multi-session","Enterprise multi-session","Enterprise multi-session, as used by Azure Virtual Desktop (EditionID ServerRdsh)",["ServerRdsh","Enterprise for Virtual Desktops","Enterprise multisession"]),
  ("EditionEnterpriseLTSC","enterprise-ltsc","Enterprise LTSC","Enterprise LTSC (EditionID EnterpriseS)",["EnterpriseS","EnterpriseSN","Enterprise LTSC 2024","Enterprise LTSB"]),
  ("EditionIoTEnterprise","iot-enterprise","IoT Enterprise","IoT Enterprise",[]),
  ("EditionIoTEnterpriseLTSC","iot-enterprise-ltsc","IoT Enterprise LTSC","IoT Enterprise LTSC (EditionID IoTEnterpriseS)",["IoTEnterpriseS","IoT Enterprise LTSC 2024"]),
  ("EditionSE","se","SE","Windows 11 SE (EditionID CloudEdition)",["CloudEdition","CloudEditionN"]),
  ("EditionServerStandard","server-standard","Server Standard","Windows Server Standard, Core or Desktop Experience",["ServerStandard","ServerStandardCor","ServerStandardACor","Standard"]),
  ("EditionServerDatacenter","server-datacenter","Server Datacenter","Windows Server Datacenter, Core or Desktop Experience",["ServerDatacenter","ServerDatacenterCor","ServerDatacenterACor","Datacenter"]),
  ("EditionServerAzureEdition","server-azure-edition","Server Datacenter: Azure Edition","Windows Server Datacenter: Azure Edition (EditionID ServerTurbine)",["ServerTurbine","ServerTurbineCor","Datacenter Azure Edition","Datacenter: Azure Edition","Azure Edition"]),
 ]),
 ("Arch", "arch", "a processor architecture", [
  ("ArchX64","x64","x64","x64 (AMD64, Intel 64)",["AMD64","x86_64","x86-64","Intel64"]),
  ("ArchArm64","arm64","Arm64","Arm64 (AArch64)",["AArch64","ARM 64"]),
  ("ArchX86","x86","x86","32-bit x86",["i386","i686","IA32","x86 32-bit"]),
 ]),
 ("Firmware", "firmware", "the boot firmware type", [
  ("FirmwareUEFI","uefi","UEFI","UEFI firmware",["EFI"]),
  ("FirmwareBIOS","bios","BIOS","legacy BIOS firmware",["Legacy","Legacy BIOS"]),
 ]),
 ("Management", "management", "what manages a device's updates", [
  ("ManagementNone","none","None","known to be unmanaged",["Unmanaged"]),
  ("ManagementAutopatch","autopatch","Windows Autopatch","Windows Autopatch (on top of Intune)",["Windows Autopatch"]),
  ("ManagementIntune","intune","Intune","Microsoft Intune (MDM)",["Microsoft Intune","MDM","Intune MDM"]),
  ("ManagementConfigMgr","configmgr","Configuration Manager","Configuration Manager alone",["SCCM","MECM","ConfigMgr","Microsoft Configuration Manager","System Center Configuration Manager"]),
  ("ManagementCoManaged","co-managed","Co-managed","co-managed by Configuration Manager and Intune",["Comanaged","Co-management","ConfigMgr + Intune","Intune and ConfigMgr"]),
  ("ManagementAzureArc","azure-arc","Azure Arc","Azure Arc (Connected Machine agent), for Windows Server",["Arc","Azure Arc-enabled","Arc-enabled"]),
  ("ManagementAzure","azure","Azure","an Azure or Azure Local virtual machine patched by Azure (Automatic VM Guest Patching, Azure Update Manager)",["Azure VM","Azure Update Manager","Automanage","Azure Local","Azure Stack HCI"]),
 ]),
 ("License", "license", "the subscription that entitles a user or device to Windows features", [
  ("LicenseNone","none","None","known to hold no license that entitles it to hotpatch",["Unlicensed"]),
  ("LicenseE3","e3","E3","Windows 11 Enterprise E3 or Microsoft 365 E3",["Microsoft 365 E3","M365 E3","Windows Enterprise E3","Windows 11 Enterprise E3","Windows 10/11 Enterprise E3"]),
  ("LicenseE5","e5","E5","Windows 11 Enterprise E5 or Microsoft 365 E5",["Microsoft 365 E5","M365 E5","Windows Enterprise E5","Windows 11 Enterprise E5","Windows 10/11 Enterprise E5"]),
  ("LicenseF3","f3","F3","Microsoft 365 F3",["Microsoft 365 F3","M365 F3"]),
  ("LicenseA3","a3","A3","Windows 11 Education A3 or Microsoft 365 A3",["Microsoft 365 A3","Windows Education A3","Windows 11 Education A3"]),
  ("LicenseA5","a5","A5","Windows 11 Education A5 or Microsoft 365 A5",["Microsoft 365 A5","Windows Education A5","Windows 11 Education A5"]),
  ("LicenseBusinessPremium","business-premium","Business Premium","Microsoft 365 Business Premium",["Microsoft 365 Business Premium","M365 Business Premium","M365BP"]),
  ("LicenseWindows365Enterprise","windows365-enterprise","Windows 365 Enterprise","Windows 365 Enterprise (Cloud PC)",["W365 Enterprise","Windows 365 Enterprise"]),
  ("LicenseOther","other","Other","a known license not in this list, which does not entitle to hotpatch (E1, Business Standard, ...)",["E1","Business Standard","Business Basic","Microsoft 365 E1","Microsoft 365 Business Standard"]),
 ]),
 ("VBS", "VBS state", "the state of virtualization-based security, as Win32_DeviceGuard's VirtualizationBasedSecurityStatus reports it (0 not enabled, 1 enabled but not running, 2 running)", [
  ("VBSOff","off","Not enabled","VBS not enabled (status 0)",["0","Not enabled","Disabled","Off"]),
  ("VBSConfigured","configured","Enabled but not running","VBS enabled but not running (status 1), e.g. before the restart that starts it",["1","Enabled but not running","Enabled not running","Enabled"]),
  ("VBSRunning","running","Running","VBS running (status 2): what hotpatch requires",["2","Running","Enabled and running"]),
 ]),
 ("Track", "track", "a hotpatch product track: the operating systems that share one hotpatch release stream", [
  ("TrackWindows11","windows11","Windows 11 (24H2 and later)","Windows 11 Enterprise/Education 24H2 (26100) and 25H2 (26200), which share revisions",["Windows 11","Win11","Windows 11 client","client"]),
  ("TrackServer2025","server2025","Windows Server 2025","Windows Server 2025 Standard/Datacenter via Azure Arc and Datacenter: Azure Edition (26100)",["Windows Server 2025","WS2025"]),
  ("TrackServer2022","server2022","Windows Server 2022 Datacenter: Azure Edition","Windows Server 2022 Datacenter: Azure Edition (20348)",["Windows Server 2022","Windows Server 2022 Azure Edition","WS2022"]),
 ]),
 ("Kind", "update kind", "what kind of release an update is", [
  ("KindBaseline","baseline","Baseline","a baseline: the quarter's cumulative update, restart required; hotpatches build on it",["Baseline (Restart)"]),
  ("KindHotpatch","hotpatch","Hotpatch","a hotpatch: the month's security fixes applied in memory, no restart",[]),
  ("KindLCU","lcu","LCU","a standard latest cumulative update (the non-hotpatch B release), restart required",["Cumulative","Cumulative update","Latest cumulative update","B"]),
  ("KindOutOfBand","oob","Out-of-band","an out-of-band release outside Patch Tuesday; Restart says whether it is a hotpatch",["Out-of-band","OOB","Out of band"]),
  ("KindPreview","preview","Preview","an optional non-security preview (the fourth-Tuesday D release)",["Non-security preview","Optional preview","D"]),
 ]),
 ("Product", "product", "a Windows product line", [
  ("ProductWindows10","windows10","Windows 10","Windows 10 client",["Win10"]),
  ("ProductWindows11","windows11","Windows 11","Windows 11 client",["Win11"]),
  ("ProductWindowsServer","windows-server","Windows Server","Windows Server",["Server"]),
  ("ProductAzureLocal","azure-local","Azure Local","Azure Local, formerly Azure Stack HCI",["Azure Stack HCI"]),
 ]),
]
import re
out=["// Code generated by gen_enums.py; DO NOT EDIT.\n","package hotpatch\n"]
for T,typ,doc,vals in E:
    lc=T[0].lower()+T[1:]
    out.append(f"// {T} is {doc}.\n// The zero value, {T}Unknown, means the fact is not known.\ntype {T} uint8\n")
    out.append("const (\n")
    out.append(f"\t{T}Unknown {T} = iota // not known\n")
    for c,tok,name,d,al in vals:
        out.append(f"\t{c} // {d}\n")
    out.append(")\n")
    toks=", ".join('"%s"'%v[1] for v in vals)
    names=", ".join('"%s"'%v[2] for v in vals)
    al=[]
    for c,tok,name,d,a in vals:
        for x in a: al.append(f'\t"{x}": int({c}),\n')
    out.append(f'var {lc}Enum = newEnum("{typ}",\n\t[]string{{"unknown", {toks}}},\n\t[]string{{"Unknown", {names}}},\n\tmap[string]int{{\n{"".join(al)}\t}})\n')
    art = "an" if T[0] in "AEIOU" else "a"
    out.append(f'''
// Parse{T} parses {art} {typ} from its token, its display name or a spelling
// that inventories contain, ignoring case, spaces and punctuation. Empty text
// and "unknown" give {T}Unknown; other unrecognized text is a *ParseError
// wrapping ErrUnknown that names the text.
func Parse{T}(s string) ({T}, error) {{
	v, err := {lc}Enum.parse(s)
	return {T}(v), err
}}

// String returns the display name, such as "{vals[0][2]}".
func (v {T}) String() string {{ return {lc}Enum.name(int(v)) }}

// MarshalText returns the stable token, such as "{vals[0][1]}".
func (v {T}) MarshalText() ([]byte, error) {{ return {lc}Enum.marshal(int(v)) }}

// UnmarshalText accepts what Parse{T} accepts.
func (v *{T}) UnmarshalText(text []byte) error {{
	p, err := Parse{T}(string(text))
	if err != nil {{
		return err
	}}
	*v = p
	return nil
}}
''')
import subprocess
open("enums.go", "w").write("".join(out))
subprocess.run(["gofmt", "-w", "enums.go"], check=True)
